import { z } from 'zod';
import { audienceSchema } from './audience.js';
import { AVATAR_MAX_CHARS, SEND_STATUSES, TEXT_MAX_CHARS } from './constants.js';
import { errorAnswerSchema } from './errors.js';
import { storableText } from './text.js';

/**
 * Sending: `POST /api/message/check`, `POST /api/sends`, `GET /api/sends`, `GET /api/sends/{id}`,
 * `POST /api/sends/{id}/cancel` (server/api/sendRoutes.ts serves them).
 *
 * What an administrator may send is checked before anything is recorded or any REST call is made.
 * TEXT: Bitrix24 refuses an empty TEXT with PHP's `empty()`, which also refuses the string "0"
 * (decision 0010, fact 19); we trim first, so whitespace-only is refused too. The limit is 1,000 characters
 * (Unicode code points): the phone shows a notification body of a few lines, and 1,000 characters stay
 * within Android's 4,096-byte payload even in a 4-byte script (emoji), so only iOS can cut a text we
 * accept. The core cuts an iPhone payload over 2,048 bytes byte by byte, and a cut inside a character
 * (Cyrillic, accents, emoji) reaches no iPhone at all (decision 0010, fact 27), so the app never hands
 * Bitrix24 such a text: `POST /api/sends` refuses it (400 TEXT_TOO_LONG_FOR_IPHONE, with `iphoneText`)
 * unless `shortenForIphone: true` asks the server to send it shortened for everyone, at a grapheme
 * boundary with "…", and record that text as the send's. `POST /api/message/check` shows the text an
 * iPhone will show (`fit.ios.shown`). A text that fits is never changed.
 * AVATAR: Bitrix24 does not validate it and the phone loads it from the public internet, so only an
 * absolute https URL is accepted.
 * Neither may hold a NUL or an unpaired surrogate (./text.ts): it could not be stored or sent as typed.
 * Whether `sendAt` is far enough ahead (a minute to a year) depends on the server's clock: the server
 * checks that after this schema (server/send/messageSchema.ts `scheduleProblem`).
 */

export const textField = storableText(z.string({ error: 'Write the text of the notification.' }).trim(), 'The text')
  .refine((text) => text !== '' && text !== '0', 'The text is empty. Bitrix24 does not accept an empty text or the text "0".')
  .refine((text) => [...text].length <= TEXT_MAX_CHARS, `The text is longer than ${TEXT_MAX_CHARS} characters.`)
  .describe(`The notification's text: 1 to ${TEXT_MAX_CHARS} characters (code points) after trimming, not "0".`);

export const avatarField = storableText(
  z
    .string({ error: 'The image must be a URL.' })
    .trim()
    .max(AVATAR_MAX_CHARS, `The image URL is longer than ${AVATAR_MAX_CHARS} characters.`),
  'The image URL',
)
  .refine(isHttpsUrl, 'The image must be an absolute https:// URL that phones can load from the internet.')
  .describe('An absolute https:// URL of an image the phones load from the internet.');

/** A client-made UUID (any version), or a similar opaque key of 16–64 URL-safe characters. */
export const idempotencyKeyField = z
  .string({ error: 'An idempotency key is required.' })
  .regex(/^[A-Za-z0-9_-]{16,64}$|^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'The idempotency key must be a UUID.')
  .describe('One per composed message (a UUID): a repeated POST with the same key and message answers the same send, never a second one.');

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

export const sendAtField = z
  .string({ error: 'sendAt must be a date and time, e.g. 2026-11-24T09:00:00+01:00.' })
  .trim()
  .regex(ISO_WITH_ZONE, 'sendAt must include its time zone, e.g. 2026-11-24T09:00:00+01:00 or 2026-11-24T08:00:00Z.')
  .refine(isRealDateTime, 'sendAt is not a real date and time.')
  .describe('Schedule the send: ISO 8601 with an explicit offset or Z, one minute to one calendar year ahead.');

/** Date.parse rolls 30 February over into March; a schedule must name a day that exists. */
function isRealDateTime(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value);
  if (!match || Number.isNaN(Date.parse(value))) return false;
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [number, number, number, number, number];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  return calendar.getUTCMonth() === month - 1 && calendar.getUTCDate() === day && hour < 24 && minute < 60;
}

/** `POST /api/message/check`. */
export const messageCheckSchema = z.strictObject({
  text: textField,
  avatar: avatarField.optional(),
});
export type MessageCheck = z.infer<typeof messageCheckSchema>;
export type MessageCheckRequest = z.input<typeof messageCheckSchema>;

const deviceFitSchema = z.object({ fits: z.boolean(), limit: z.number().int().describe('The device payload cap, bytes.') });

export const payloadFitSchema = z
  .object({
    bytes: z.number().int().describe('Bytes of the device payload: app name + text + avatar URL as the core escapes them, + overhead.'),
    ios: deviceFitSchema.extend({
      shown: z
        .string()
        .nullable()
        .describe(
          'What an iPhone shows: the text when it fits; otherwise the text shortened at a grapheme boundary with "…" that the server sends with `shortenForIphone: true`; null when the app name and the image leave no room for any text.',
        ),
    }),
    android: deviceFitSchema,
  })
  .describe("Whether the push fits the phones' payload caps (iOS cuts a longer one byte by byte and may then get nothing; Android cuts whole characters).");
export type PayloadFit = z.infer<typeof payloadFitSchema>;
export type DeviceFit = PayloadFit['android'];

export const messageCheckAnswerSchema = z.object({ fit: payloadFitSchema });
export type MessageCheckAnswer = z.infer<typeof messageCheckAnswerSchema>;

/** `POST /api/sends` with the given audience schema (the server's tests pass a small one). */
export function sendRequestSchema<A extends z.ZodType>(audience: A) {
  return z
    .strictObject({
      idempotencyKey: idempotencyKeyField,
      text: textField,
      avatar: avatarField.optional(),
      audience: audience.optional(),
      testToSelf: z.boolean({ error: 'testToSelf must be true or false.' }).optional(),
      sendAt: sendAtField.optional(),
      shortenForIphone: z
        .boolean({ error: 'shortenForIphone must be true or false.' })
        .optional()
        .describe('A text too long for iPhones is sent (and recorded) shortened for everyone, as `fit.ios.shown`; without it such a text is refused (TEXT_TOO_LONG_FOR_IPHONE).'),
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

/** `POST /api/sends`: `audience`, or `testToSelf: true` (which cannot be scheduled). */
export const sendBodySchema = sendRequestSchema(audienceSchema).describe('A push to send: to `audience`, or with `testToSelf: true` to the sender alone; with `sendAt`, later.');
export type SendRequest = z.input<typeof sendBodySchema>;

/** A send's id (a UUID) as it appears in paths and in `before`. */
export const SEND_ID = /^[0-9a-fA-F-]{36}$/;

/** `GET /api/sends?limit=&before=&tests=`. */
export const sendHistoryQuerySchema = z.strictObject({
  limit: z.coerce.number({ error: 'limit must be a number' }).int().min(1).max(100).default(20),
  before: z.string().regex(SEND_ID, 'before must be a send id').optional().describe("The previous page's `nextBefore`."),
  tests: z
    .enum(['include', 'exclude'], { error: 'tests must be include or exclude' })
    .default('include')
    .describe('`exclude` leaves out tests to oneself (`testToSelf`); pass the same value with each page.'),
});
export type SendHistoryQuery = z.input<typeof sendHistoryQuerySchema>;

export const sendStatusSchema = z.enum(SEND_STATUSES);

export const sendErrorViewSchema = z
  .object({
    code: z.string(),
    message: z.string(),
    retryable: z.boolean(),
    source: z.string().describe("Bitrix24's own code (or our send error code) behind `code`, for support."),
  })
  .describe('Why a send failed (or failed in part).');
export type SendErrorView = z.infer<typeof sendErrorViewSchema>;

const epochMs = z.number().int().describe('Epoch milliseconds.');

export const sendViewSchema = z
  .object({
    id: z.string(),
    createdAt: epochMs,
    senderId: z.number().int(),
    text: z.string(),
    avatar: z.string().nullable(),
    audience: audienceSchema.nullable().describe('The audience as chosen; null for a test to oneself.'),
    testToSelf: z.boolean(),
    status: sendStatusSchema,
    recipientCount: z.number().int().nullable().describe('Recipients after resolution (null until resolved).'),
    acceptedCount: z.number().int().describe('Recipients whose push Bitrix24 accepted (not: delivered; Bitrix24 never reports delivery).'),
    failedCount: z.number().int(),
    uncertainCount: z.number().int().describe('Recipients whose push may or may not have been accepted (not repeated, to avoid duplicates).'),
    pendingCount: z.number().int(),
    error: sendErrorViewSchema.nullable(),
    finishedAt: epochMs.nullable(),
    sendAt: epochMs.nullable().describe('When a scheduled send is (or was) due; null for one sent at once.'),
    sendAtIso: z.string().nullable().describe('The same moment as ISO 8601 in UTC (`…Z`); null for one sent at once.'),
    pausedUntil: epochMs
      .nullable()
      .describe('Bitrix24 blocked the push method (OPERATION_TIME_LIMIT): the send waits and resumes by itself then; null otherwise.'),
  })
  .describe('A send as the history and the composer show it.');
export type SendView = z.infer<typeof sendViewSchema>;

const textShortenedField = z.boolean().describe('The text was shortened for iPhones (`shortenForIphone`): `send.text` is what was sent.');

/** `POST /api/sends` (201 new, 200 replay or finished, 202 still running: follow `GET /api/sends/{id}`). */
export const sendAnswerSchema = z.object({ send: sendViewSchema, fit: payloadFitSchema, textShortened: textShortenedField });
export type SendAnswer = z.infer<typeof sendAnswerSchema>;

/** `POST /api/sends` when the send failed as a whole: the error table's status, its code and message, and the send. */
export const sendFailedAnswerSchema = errorAnswerSchema
  .extend({ send: sendViewSchema, fit: payloadFitSchema, textShortened: textShortenedField })
  .describe('A send that failed as a whole.');
export type SendFailedAnswer = z.infer<typeof sendFailedAnswerSchema>;

/** `POST /api/sends` 400 TEXT_TOO_LONG_FOR_IPHONE (or AVATAR_TOO_LONG_FOR_IPHONE): nothing was recorded or sent. */
export const iphoneBudgetRefusalSchema = errorAnswerSchema
  .extend({
    iphoneText: z.string().nullable().describe('The text the server would send with `shortenForIphone: true`; null when the image URL leaves no room for any text.'),
    fit: payloadFitSchema,
  })
  .describe("A text over the iPhone payload cap, refused because the request did not ask to shorten it.");
export type IphoneBudgetRefusal = z.infer<typeof iphoneBudgetRefusalSchema>;

/** What `POST /api/sends` answers when it does not send: a failed send, a text too long for iPhones, or a plain refusal. */
export const sendRefusalSchema = z.union([sendFailedAnswerSchema, iphoneBudgetRefusalSchema, errorAnswerSchema]);
export type SendRefusal = z.infer<typeof sendRefusalSchema>;

/** `GET /api/sends/{id}`, `POST /api/sends/{id}/cancel`. */
export const oneSendAnswerSchema = z.object({ send: sendViewSchema });
export type OneSendAnswer = z.infer<typeof oneSendAnswerSchema>;

/** `POST /api/sends/{id}/cancel` while the send is being sent, once it finished or was already cancelled (409 NOT_CANCELLABLE). */
export const notCancellableAnswerSchema = errorAnswerSchema.extend({ send: sendViewSchema }).describe('The send as it is now, which cannot be cancelled.');
export type NotCancellableAnswer = z.infer<typeof notCancellableAnswerSchema>;

/** `GET /api/sends`: newest first, this portal only. */
export const sendHistoryAnswerSchema = z.object({
  sends: z.array(sendViewSchema),
  nextBefore: z.string().nullable().describe('Pass as `before` for the next page; null on the last one.'),
});
export type SendHistoryAnswer = z.infer<typeof sendHistoryAnswerSchema>;
