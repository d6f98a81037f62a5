import { z } from 'zod';
import { isUnstorableTextIssue, storableText } from '../http/textInput.js';

/**
 * What an administrator may send, checked before anything is recorded or any REST call is made.
 *
 * TEXT: Bitrix24 refuses an empty TEXT with PHP's `empty()`, which also refuses the string "0"
 * (decision 0010, fact 19); we trim first, so whitespace-only is refused too. The limit is 1,000 characters
 * (Unicode code points): the phone shows a notification body of a few lines, and 1,000 characters stay
 * within Android's 4,096-byte payload even in a 4-byte script (emoji), so only iOS can cut a text we
 * accept — and `payloadFit` tells the sender when it will.
 * AVATAR: Bitrix24 does not validate it and the phone loads it from the public internet, so only an
 * absolute https URL is accepted.
 * Neither may hold a NUL or an unpaired surrogate (server/http/textInput.ts): it could not be stored
 * or sent as typed.
 */

export const TEXT_MAX_CHARS = 1_000;
export const AVATAR_MAX_CHARS = 512;
/** Largest JSON body the send API reads (text and audience of explicit users fit many times over). */
export const SEND_BODY_LIMIT = '64kb';

/** Device payload caps (decision 0010, fact 16): iOS cuts byte-wise at 2048, Android at 4096. */
export const IOS_PAYLOAD_BYTES = 2048;
export const ANDROID_PAYLOAD_BYTES = 4096;
/**
 * Bytes the push service adds around title, body and image: the client id, JSON keys and punctuation.
 * Not published by Bitrix24 (UNCONFIRMED); 200 bytes is a generous allowance for a ~40-character
 * client id plus the `aps`/`alert`/`title`/`body` envelope, so "fits" errs on the side of a warning.
 */
export const PAYLOAD_OVERHEAD_BYTES = 200;

export const textField = storableText(z.string({ error: 'Write the text of the notification.' }).trim(), 'The text')
  .refine((text) => text !== '' && text !== '0', 'The text is empty. Bitrix24 does not accept an empty text or the text "0".')
  .refine((text) => [...text].length <= TEXT_MAX_CHARS, `The text is longer than ${TEXT_MAX_CHARS} characters.`);

export const avatarField = storableText(
  z
    .string({ error: 'The image must be a URL.' })
    .trim()
    .max(AVATAR_MAX_CHARS, `The image URL is longer than ${AVATAR_MAX_CHARS} characters.`),
  'The image URL',
).refine(isHttpsUrl, 'The image must be an absolute https:// URL that phones can load from the internet.');

/** A client-made UUID (any version), or a similar opaque key of 16–64 URL-safe characters. */
export const idempotencyKeyField = z
  .string({ error: 'An idempotency key is required.' })
  .regex(/^[A-Za-z0-9_-]{16,64}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'The idempotency key must be a UUID.');

function isHttpsUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && url.hostname !== '' && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

/** A date-time with an explicit offset or Z: a time without a zone would be read in the server's, not the admin's. */
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;
/** How soon at the earliest a send may be scheduled; at the latest it is a calendar year ahead (latestSendAt). */
export const SCHEDULE_MIN_AHEAD_MS = 60_000;

/** The same moment one calendar year later (29 February -> 1 March). */
export function latestSendAt(now: number): number {
  const limit = new Date(now);
  limit.setUTCFullYear(limit.getUTCFullYear() + 1);
  return limit.getTime();
}

export const sendAtField = z
  .string({ error: 'sendAt must be a date and time, e.g. 2026-11-24T09:00:00+01:00.' })
  .trim()
  .regex(ISO_WITH_ZONE, 'sendAt must include its time zone, e.g. 2026-11-24T09:00:00+01:00 or 2026-11-24T08:00:00Z.')
  .refine(isRealDateTime, 'sendAt is not a real date and time.');

/** Date.parse rolls 30 February over into March; a schedule must name a day that exists. */
function isRealDateTime(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value);
  if (!match || Number.isNaN(Date.parse(value))) return false;
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [number, number, number, number, number];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  return calendar.getUTCMonth() === month - 1 && calendar.getUTCDate() === day && hour < 24 && minute < 60;
}

/** Why `sendAt` (parsed) cannot be scheduled at `now`, or null when it can. */
export function scheduleProblem(sendAt: number, now: number): string | null {
  if (sendAt < now + SCHEDULE_MIN_AHEAD_MS) return 'sendAt must be at least one minute in the future.';
  if (sendAt > latestSendAt(now)) return 'sendAt must be within a year from now.';
  return null;
}

export const messageCheckSchema = z.strictObject({
  text: textField,
  avatar: avatarField.optional(),
});
export type MessageCheck = z.infer<typeof messageCheckSchema>;

export interface DeviceFit {
  fits: boolean;
  limit: number;
}

export interface PayloadFit {
  /** Bytes of the device payload (app name + text + avatar URL as the core escapes them, + overhead). */
  bytes: number;
  ios: DeviceFit;
  android: DeviceFit;
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

/** Whether the push fits the phones' payload caps, so the UI can warn before a text is cut. */
export function payloadFit(appName: string, text: string, avatar?: string | null): PayloadFit {
  const bytes = payloadBytes(appName) + payloadBytes(text) + payloadBytes(avatar ?? '') + PAYLOAD_OVERHEAD_BYTES;
  return {
    bytes,
    ios: { fits: bytes <= IOS_PAYLOAD_BYTES, limit: IOS_PAYLOAD_BYTES },
    android: { fits: bytes <= ANDROID_PAYLOAD_BYTES, limit: ANDROID_PAYLOAD_BYTES },
  };
}

/** A 400 answer naming the field: `{error, message, field}`. */
export interface ValidationFailure {
  error: string;
  message: string;
  field?: string;
}

const FIELD_CODES: Record<string, { tooLong?: string; other: string }> = {
  text: { other: 'TEXT_EMPTY' },
  avatar: { other: 'AVATAR_INVALID' },
  idempotencyKey: { other: 'IDEMPOTENCY_KEY_INVALID' },
  audience: { other: 'AUDIENCE_INVALID' },
  testToSelf: { other: 'VALIDATION_FAILED' },
  sendAt: { other: 'SEND_AT_INVALID' },
};

/** The first problem of a failed parse as a stable code, a readable message and the field's name. */
export function validationFailure(error: z.ZodError): ValidationFailure {
  const issue = error.issues[0];
  if (!issue) return { error: 'VALIDATION_FAILED', message: 'The request is not valid.' };
  if (issue.code === 'unrecognized_keys') {
    const field = [...issue.path.map(String), issue.keys[0] ?? ''].filter(Boolean).join('.');
    return { error: 'UNKNOWN_FIELD', message: `Unknown field "${field}".`, field };
  }
  const top = issue.path[0];
  if (top === undefined) return { error: 'VALIDATION_FAILED', message: 'The request body must be a JSON object.' };
  const field = issue.path.map(String).join('.');
  const name = String(top);
  if (name === 'text' && issue.message.startsWith('The text is longer')) return { error: 'TEXT_TOO_LONG', message: issue.message, field };
  if (name === 'text' && isUnstorableTextIssue(issue)) return { error: 'TEXT_INVALID', message: issue.message, field };
  if (name === 'text' && issue.code === 'invalid_type') {
    return { error: 'TEXT_EMPTY', message: 'Write the text of the notification.', field };
  }
  const code = FIELD_CODES[name]?.other ?? 'VALIDATION_FAILED';
  return { error: code, message: issue.message, field };
}

/** `POST /api/sends`; the audience schema is server/audience's (passed in, so this file stays independent of it). */
export function sendRequestSchema<A extends z.ZodType>(audience: A) {
  return z
    .strictObject({
      idempotencyKey: idempotencyKeyField,
      text: textField,
      avatar: avatarField.optional(),
      audience: audience.optional(),
      testToSelf: z.boolean({ error: 'testToSelf must be true or false.' }).optional(),
      sendAt: sendAtField.optional(),
    })
    .refine((body) => body.testToSelf === true || body.audience !== undefined, {
      path: ['audience'],
      message: 'Choose the recipients, or send a test to yourself.',
    })
    .refine((body) => !(body.testToSelf === true && body.sendAt !== undefined), {
      path: ['sendAt'],
      message: 'A test to yourself goes at once; it cannot be scheduled.',
    });
}
