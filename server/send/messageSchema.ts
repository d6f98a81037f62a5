import type { z } from 'zod';
import { SCHEDULE_MIN_AHEAD_MS, latestSendAt } from '../../contract/constants.js';
import type { ErrorCode, Refusal } from '../../contract/errorMessages.js';
import type { PayloadFit } from '../../contract/sends.js';
import { isUnstorableTextIssue } from '../../contract/text.js';

/**
 * What an administrator may send is the API contract's (contract/sends.ts: the text, the image, the
 * idempotency key, `sendAt`, and the bodies of `POST /api/sends` and `POST /api/message/check`, with
 * their messages); this file adds what depends on the server: the payload's size as the phones see it,
 * how far ahead a send may be scheduled by the server's clock, and how a failed parse is answered.
 */

export { SCHEDULE_MIN_AHEAD_MS, TEXT_MAX_CHARS, latestSendAt } from '../../contract/constants.js';
export { messageCheckSchema, sendRequestSchema } from '../../contract/sends.js';

/** Largest JSON body the send API reads (text and audience of explicit users fit many times over). */
export const SEND_BODY_LIMIT = '64kb';

/**
 * Device payload caps (decision 0010, facts 16 and 27): iOS cuts byte-wise at 2048 (and a cut inside a
 * character reaches no iPhone at all), Android by whole characters at 4096.
 */
export const IOS_PAYLOAD_BYTES = 2048;
export const ANDROID_PAYLOAD_BYTES = 4096;
/**
 * Bytes the core adds around title, body and image in an iPhone payload (decision 0010, fact 27):
 * `{"aps":{"alert":{"body":"","title":""},"mutable-content":1,"badge":N,"sound":"silence.aif"},
 * "params":"[]","group":"<client id>","avatarUrl":"","extra":{"server_time":"<date('c')>",
 * "server_time_unix":<microtime>},"target":"<md5>"}` is 270 bytes with a five-digit badge and the
 * longest float, plus the client id (Bitrix24's are ~30 characters; 64 allowed for): 334. 350 leaves a
 * little for what the core may add that we have not seen (UNCONFIRMED for the cloud), so "fits" errs on
 * the side of shortening.
 */
export const PAYLOAD_OVERHEAD_BYTES = 350;
/** What a text shortened for iPhones ends with. */
export const SHORTENED_MARK = '…';

/**
 * Why `sendAt` (parsed) cannot be scheduled at `now` (English, for developers: the answer's `detail`;
 * the admin reads SEND_AT_INVALID's text), or null when it can. The frame checks the same rule before
 * sending (contract/constants.ts).
 */
export function scheduleProblem(sendAt: number, now: number): string | null {
  if (sendAt < now + SCHEDULE_MIN_AHEAD_MS) return 'sendAt must be at least one minute in the future.';
  if (sendAt > latestSendAt(now)) return 'sendAt must be within a year from now.';
  return null;
}

/**
 * Bytes a string takes inside the phone's payload, as the core encodes it: PHP `json_encode` with
 * JSON_HEX_TAG | JSON_HEX_AMP | JSON_HEX_APOS | JSON_HEX_QUOT | JSON_UNESCAPED_UNICODE
 * (`avshatalov48/bitrix-core-business` modules/pull/lib/push/message/applemessage.php and
 * googlemessage.php). So `"`, `'`, `<`, `>` and `&` cost 6 bytes (\u0022…), `/` and `\` and the short
 * escapes 2, other control characters and U+2028/U+2029 6, anything else its UTF-8 bytes.
 */
export function payloadBytes(value: string): number {
  let bytes = 0;
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (char === '"' || char === "'" || char === '<' || char === '>' || char === '&') bytes += 6;
    else if (char === '\\' || char === '/' || char === '\b' || char === '\f' || char === '\n' || char === '\r' || char === '\t') bytes += 2;
    else if (code < 0x20 || code === 0x2028 || code === 0x2029) bytes += 6;
    else bytes += Buffer.byteLength(char, 'utf8');
  }
  return bytes;
}

/**
 * Whether the push fits the phones' payload caps, and what an iPhone shows of it: the text itself when
 * it fits, else the text the app sends in its place when asked to shorten it (`iphoneText`).
 */
export function payloadFit(appName: string, text: string, avatar?: string | null): PayloadFit {
  const bytes = payloadBytes(appName) + payloadBytes(text) + payloadBytes(avatar ?? '') + PAYLOAD_OVERHEAD_BYTES;
  const fits = bytes <= IOS_PAYLOAD_BYTES;
  return {
    bytes,
    ios: { fits, limit: IOS_PAYLOAD_BYTES, shown: fits ? text : iphoneText(appName, text, avatar) },
    android: { fits: bytes <= ANDROID_PAYLOAD_BYTES, limit: ANDROID_PAYLOAD_BYTES },
  };
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * The text as an iPhone will show it whole: unchanged when the push fits; otherwise the longest prefix
 * that ends on a grapheme boundary (a letter with its accents, an emoji with its modifiers) and, with
 * SHORTENED_MARK after it, keeps the push within IOS_PAYLOAD_BYTES by our estimate. Null when the app's
 * name and the image leave no room for even one character: no text can go to iPhones then.
 */
export function iphoneText(appName: string, text: string, avatar?: string | null): string | null {
  const room = IOS_PAYLOAD_BYTES - PAYLOAD_OVERHEAD_BYTES - payloadBytes(appName) - payloadBytes(avatar ?? '');
  if (payloadBytes(text) <= room) return text;
  const budget = room - payloadBytes(SHORTENED_MARK);
  let used = 0;
  let end = 0;
  for (const { segment, index } of graphemes.segment(text)) {
    used += payloadBytes(segment);
    if (used > budget) break;
    end = index + segment.length;
  }
  const kept = text.slice(0, end).trimEnd();
  return kept === '' ? null : kept + SHORTENED_MARK;
}

/**
 * A 400 refusal naming the field: the stable code (its text, in the request's language, is the answer's
 * `message`) and the schema's own English words as `detail`, for developers.
 */
export type ValidationFailure = Pick<Refusal, 'error' | 'field' | 'detail'>;

const FIELD_CODES: Readonly<Record<string, ErrorCode>> = {
  text: 'TEXT_EMPTY',
  avatar: 'AVATAR_INVALID',
  idempotencyKey: 'IDEMPOTENCY_KEY_INVALID',
  audience: 'AUDIENCE_INVALID',
  sendAt: 'SEND_AT_INVALID',
};

/** The first problem of a failed parse as a stable code, the field's path and the schema's message. */
export function validationFailure(error: z.ZodError): ValidationFailure {
  const issue = error.issues[0];
  if (!issue) return { error: 'VALIDATION_FAILED', detail: 'The request is not valid.' };
  if (issue.code === 'unrecognized_keys') {
    const field = [...issue.path.map(String), issue.keys[0] ?? ''].filter(Boolean).join('.');
    return { error: 'UNKNOWN_FIELD', detail: `Unknown field "${field}".`, field };
  }
  const top = issue.path[0];
  if (top === undefined) return { error: 'VALIDATION_FAILED', detail: 'The request body must be a JSON object.' };
  const field = issue.path.map(String).join('.');
  const name = String(top);
  if (name === 'text' && issue.message.startsWith('The text is longer')) return { error: 'TEXT_TOO_LONG', detail: issue.message, field };
  if (name === 'text' && isUnstorableTextIssue(issue)) return { error: 'TEXT_INVALID', detail: issue.message, field };
  if (name === 'text' && issue.code === 'invalid_type') return { error: 'TEXT_EMPTY', detail: 'Write the text of the notification.', field };
  return { error: FIELD_CODES[name] ?? 'VALIDATION_FAILED', detail: issue.message, field };
}
