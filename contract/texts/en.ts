/**
 * English: the reference for ./ru.ts and ./de.ts (each has exactly these keys, checked by tsc and by
 * server/api/errorTexts.test.ts). One file per language holds every text the admin can meet as an
 * error: the server answers `message` from it in the request's language, and the frame shows its own
 * copy of the same text for the answer's `error` code (client/src/lib/i18n loads this file per language).
 * Plain data, no imports at run time: the frame bundles only what it takes (`errors`, `fields`).
 *
 * Placeholders: `{field}` the request field's name (`fields`, or the field's path when it has none
 * there), `{path}` the field's path as the request wrote it.
 */

/**
 * The stable code of every refusal the API answers (`ErrorAnswer.error`), with the text for it. A code
 * behind which there are several causes (the Bitrix24 error table, the send failures) has a text that
 * holds for all of them; what a cause says beyond it is in `causes`.
 */
export const errors = {
  // Who is asking (server/api/frameAuth.ts, server/api/apiRateLimit.ts)
  AUTH_REQUIRED: 'Open this app from Bitrix24: the request carries no Bitrix24 authorization.',
  UNKNOWN_PORTAL: 'The app is not installed on this portal. An administrator can install it from the Bitrix24 Market.',
  BAD_TOKEN: 'Bitrix24 did not recognise this authorization for this portal. Reopen the app from the left menu.',
  TOKEN_EXPIRED: 'The Bitrix24 session expired; the app renews it and tries again.',
  TOO_MANY_REQUESTS: 'Too many requests in a short time. Wait a few seconds and try again.',
  NOT_ADMIN: 'Only portal administrators can send push notifications.',
  // Any request (server/app.ts, server/http/methodNotAllowed.ts)
  METHOD_NOT_ALLOWED: 'This address of the app does not take this kind of request.',
  NOT_FOUND: 'The app has no such address.',
  BAD_REQUEST: 'The request could not be read: it is malformed or too large.',
  INTERNAL_ERROR: 'Something went wrong on our side. Try again; if it keeps happening, report it to the app’s vendor.',
  DATABASE_UNAVAILABLE: 'The app cannot reach its database right now. Try again in a few seconds.',
  // What a request carries (contract/sends.ts, contract/audience.ts, contract/recipients.ts; server/send/messageSchema.ts)
  VALIDATION_FAILED: '{field}: the value is not valid.',
  UNKNOWN_FIELD: 'The app does not know the field “{path}”.',
  TEXT_EMPTY: 'The message is empty. Write the text of the notification.',
  TEXT_TOO_LONG: 'The message is longer than 1,000 characters. Shorten it.',
  TEXT_INVALID: 'The message contains a character that cannot be stored or sent (a NUL character or half of an emoji). Remove it.',
  AVATAR_INVALID: 'The avatar must be an https:// address that phones can load, at most 512 characters long.',
  IDEMPOTENCY_KEY_INVALID: 'The idempotency key must be a UUID.',
  AUDIENCE_INVALID: 'The recipients are not valid. Choose them again.',
  SEND_AT_INVALID: 'The send time must be at least one minute and at most one year from now.',
  SEARCH_INVALID: 'Type a name, position or department to search for, in at most 100 characters.',
  TEXT_TOO_LONG_FOR_IPHONE:
    'This text is too long for iPhones: Bitrix24 would cut it, and an iPhone gets nothing at all when the cut falls inside a letter. Shorten the text, or send it shortened for everyone (as the preview shows it). Nothing was sent.',
  AVATAR_TOO_LONG_FOR_IPHONE: 'The image URL is so long that no text fits beside it on an iPhone. Use a shorter image URL. Nothing was sent.',
  // Sending (server/api/sendRoutes.ts)
  APP_MISCONFIGURED: 'The app is not connected to Bitrix24 correctly (its client id or secret). Please report this to the app’s vendor.',
  IDEMPOTENCY_KEY_REUSED: 'This idempotency key was already used for a different message. Use a new key for a new message.',
  SEND_NOT_FOUND: 'There is no such send on this portal.',
  NOT_CANCELLABLE: 'This send can no longer be cancelled: it has started, has finished or was cancelled already.',
  // The Bitrix24 error table (server/bitrix/errorCatalog.ts)
  WRONG_AUTH_TYPE: 'Bitrix24 accepts pushes only with the app’s own authorization. Reopen the app from the left menu.',
  APP_NAME_EMPTY:
    'Bitrix24 has no name for this app, and the name is the title of every push. Ask the app’s vendor to fill in the name in the app card.',
  PORTAL_ERROR: 'Bitrix24 could not complete the request. Try again in a few minutes.',
  RATE_LIMITED:
    'Bitrix24 is receiving too many requests from this portal right now. The app slows down and retries; if this persists, try again later.',
  PORTAL_BLOCKED: 'Bitrix24 has blocked REST access for this portal because of overload. Contact Bitrix24 support to lift the block.',
  REOPEN_APP: 'The app’s Bitrix24 authorization is no longer valid. Reopen the app from the left menu.',
  PLAN_REQUIRED: 'Bitrix24 allows apps to use REST only on commercial plans. Upgrade the portal’s plan to send pushes.',
  NOT_ALLOWED: 'Your Bitrix24 account lacks the permissions this action needs.',
  SCOPE_MISSING:
    'The app lacks a Bitrix24 permission it needs. Reinstall the app from the Market so the portal grants its current permissions.',
  APP_ACCESS_RESTRICTED:
    'A portal administrator has restricted this app to certain users, and you are not one of them. Ask an administrator to give you access in the app’s settings.',
  USER_DEACTIVATED:
    'Bitrix24 refused the user the app acts for: the account is deactivated. Another administrator needs to open the app from the left menu once, so it sends with their authorization.',
  APP_NOT_INSTALLED:
    'Bitrix24 does not know this app on the portal any more: it was uninstalled. An administrator can install it again from the Bitrix24 Market.',
  PORTAL_MOVED: 'Your portal has moved to a new address. Reopen the app from the left menu; the app then uses the new address.',
  PORTAL_ANSWER_TOO_LARGE:
    'Bitrix24 sent an answer far larger than any real one, so the app stopped reading it. Try again later; if it keeps happening, report it to the app’s vendor.',
  PORTAL_CLOSED: 'The portal is deleted or its public part is closed, so Bitrix24 cannot be reached.',
  SUBSCRIPTION_ENDED:
    'The app’s trial or paid period on this portal has ended, so Bitrix24 no longer lets it act. An administrator can renew the subscription in the Bitrix24 Market.',
  PORTAL_UNREACHABLE: 'Bitrix24 could not be reached. Try again in a few minutes.',
  // Send failures (server/send/sendErrors.ts)
  OUTCOME_UNKNOWN:
    'Bitrix24 did not answer whether it accepted this push. It was not sent again, so nobody gets it twice; check with a few recipients before sending again.',
  NO_RECIPIENTS: 'The chosen recipients include no active employees, so nothing was sent.',
  DEPARTMENT_NOT_FOUND: 'A chosen department no longer exists in Bitrix24. Remove it from the recipients and choose again.',
  GROUP_NOT_FOUND: 'A chosen workgroup no longer exists in Bitrix24, or you cannot see it. Remove it from the recipients and choose again.',
  SENDER_NOT_ADMIN:
    'This scheduled push was not sent: the administrator who scheduled it is no longer a portal administrator. An administrator can send it again from the history.',
  APP_UNINSTALLED:
    'This scheduled push was cancelled: the app was removed from this portal. After installing it again, an administrator can send it again from the history.',
} as const;

/** The request fields a refusal may name (`ErrorAnswer.field`, its first part), as the admin knows them; `request` when it names none. */
export const fields = {
  request: 'Request',
  text: 'Message',
  avatar: 'Avatar URL',
  sendAt: 'Send time',
  audience: 'Recipients',
  idempotencyKey: 'Idempotency key',
  testToSelf: 'Test to yourself',
  shortenForIphone: 'Shortened for iPhones',
  q: 'Search',
  limit: 'Page size',
  before: 'Page',
  tests: 'Tests to yourself',
} as const;

/**
 * What one cause behind a code says beyond the code's text (`errors`), by the error table's key: a
 * Bitrix24 error code (server/bitrix/errorCatalog.ts) or a send failure (server/send/sendErrors.ts).
 * The server answers with it; a cause not here is answered with its code's text.
 */
export const causes = {
  INTERNAL_SERVER_ERROR: 'Bitrix24 had an internal error. Try again in a few minutes.',
  ERROR_UNEXPECTED_ANSWER: 'Bitrix24 gave an unexpected answer. Try again in a few minutes.',
  OPERATION_TIME_LIMIT:
    'Bitrix24 has paused this kind of request on your portal for a few minutes (its time budget for the last 10 minutes is used up). Try again later; sends already made pause and go on by themselves.',
  ERROR_BATCH_METHOD_NOT_ALLOWED: 'Bitrix24 refused a combined request from the app. Please report this to the app’s vendor.',
  ERROR_BATCH_LENGTH_EXCEEDED: 'Bitrix24 refused a combined request from the app as too long. Please report this to the app’s vendor.',
  NO_AUTH_FOUND: 'Bitrix24 did not recognise the app’s authorization. Reopen the app from the left menu.',
  expired_token: 'The app’s Bitrix24 session expired and could not be renewed. Reopen the app from the left menu.',
  INVALID_REQUEST: 'Bitrix24 requires HTTPS for this request. Please report this to the app’s vendor.',
  ERROR_MANIFEST_IS_NOT_AVAILABLE: 'Bitrix24 reported that a manifest is not available. Please report this to the app’s vendor.',
  invalid_grant: 'The app’s saved Bitrix24 authorization has run out. An administrator needs to open the app from the left menu once to renew it.',
  invalid_client: 'The app’s registration with Bitrix24 is not valid (client id or secret). Please report this to the app’s vendor.',
  NO_STORED_AUTH: 'The app has no saved Bitrix24 authorization of yours to send with. Open the app from the left menu once, then send again.',
  PORTAL_UNAVAILABLE: 'The app is no longer installed on this portal.',
  INTERRUPTED:
    'The app was restarted while this push was being handed to Bitrix24; whether Bitrix24 accepted it is unknown. It was not sent again, so nobody gets it twice.',
  DATABASE_UNAVAILABLE:
    'Our database could not be reached while sending, so the rest of this message was not sent to Bitrix24. Nobody got it twice; those it did not reach can be sent it again.',
  INTERNAL_ERROR: 'Something went wrong on our side while sending. Nothing more will be sent for this message.',
} as const;

/** The pages an install or an opening of the app gets when the app cannot serve it (server/install/refusalPage.ts), by reason. */
export const refusalPages = {
  malformed: {
    title: 'This page is opened by Bitrix24',
    what: 'The request did not carry what Bitrix24 sends when it opens the app.',
    todo: 'Open the app from your portal’s left menu, or install it from the Bitrix24 Market.',
  },
  not_configured: {
    title: 'The app is not set up yet',
    what: 'Its operator has not yet given it its Bitrix24 registration (client id and secret), so installations cannot be verified.',
    todo: 'Please tell the app’s vendor (the contact on its Market card). Nothing on your portal needs to change.',
  },
  oauth_unreachable: {
    title: 'Bitrix24 could not be reached',
    what: 'Bitrix24’s authorization server did not answer, so this opening could not be verified.',
    todo: 'Try again in a few minutes.',
  },
  registration_invalid: {
    title: 'The app’s registration is not valid',
    what: 'Bitrix24 did not accept the app’s client id or secret.',
    todo: 'Please report this to the app’s vendor (the contact on its Market card).',
  },
  portal_unreachable: {
    title: 'Your portal could not be reached',
    what: 'The app could not reach your Bitrix24 to verify this opening.',
    todo: 'Try again in a few minutes.',
  },
  not_confirmed: {
    title: 'Bitrix24 did not confirm this installation',
    what: 'The authorization in this request was not confirmed by Bitrix24.',
    todo: 'Start the installation again from the Market in your portal.',
  },
  busy: {
    title: 'Too many attempts just now',
    what: 'The app is limiting installation attempts for a moment.',
    todo: 'Try again in a minute.',
  },
  not_admin: {
    title: 'Only an administrator can install this app',
    what: 'You are signed in to Bitrix24 without administrator rights.',
    todo: 'Ask a portal administrator to install it from the Market.',
  },
  not_installed: {
    title: 'The app is not installed on this portal',
    what: 'Its installation was not finished, or it was removed.',
    todo: 'A portal administrator can install it (again) from the Bitrix24 Market.',
  },
} as const;

export type ErrorCode = keyof typeof errors;
export type FieldName = keyof typeof fields;
export type Cause = keyof typeof causes;
export type RefusalReason = keyof typeof refusalPages;

/** What ./ru.ts and ./de.ts must hold: every key of English, nothing else. */
export type ErrorTexts = { readonly [K in ErrorCode]: string };
export type FieldTexts = { readonly [K in FieldName]: string };
export type CauseTexts = { readonly [K in Cause]: string };
export type RefusalPageTexts = { readonly [K in RefusalReason]: { readonly title: string; readonly what: string; readonly todo: string } };
