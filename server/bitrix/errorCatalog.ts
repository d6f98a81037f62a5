import { errorMessages, type ErrorCode, type Language } from '../../contract/errorMessages.js';

/**
 * The one table of Bitrix24 error codes: what each means for an administrator, which stable code our
 * API answers with, which HTTP status we give the frame, and whether trying again can help.
 * Codes come from the seed pages of pull.application.push.add (method errors and system errors), the
 * OAuth errors (bitrix24/b24restdocs settings/oauth/auto-renewal.md: PAYMENT_REQUIRED;
 * api-reference/oauth/error-codes.md) and the core rest module (authorization_error for a deactivated
 * user, APPLICATION_NOT_FOUND, invalid_token "Unable to get application by token"). The texts, in every
 * language, are in contract/texts/ (one file per language): a code's text, or what its cause says beyond it.
 */

export type { Language };

export interface ErrorEntry {
  /** Stable code in our API (never Bitrix24's raw text); contract/texts/ has its text in every language. */
  apiCode: ErrorCode;
  /** HTTP status our API answers with. */
  httpStatus: number;
  /** Transient: a later attempt may succeed without anyone changing anything. */
  retryable: boolean;
  /** The text for the admin: what the cause says (contract/texts/ `causes`) or else its code's text (`errors`). */
  message: Record<Language, string>;
}

/** One row of an error table: the code it is answered with, the status, whether trying again can help. */
export type ErrorRow = readonly [apiCode: ErrorCode, httpStatus: number, retryable: boolean];

/** The entry of `cause` (a key of an error table), its texts from contract/texts/. */
export function errorEntry(cause: string, [apiCode, httpStatus, retryable]: ErrorRow): ErrorEntry {
  return { apiCode, httpStatus, retryable, message: errorMessages(apiCode, { cause }) };
}

/** An error table by its keys (Bitrix24's codes, or our send failures). */
export function errorTable(rows: Readonly<Record<string, ErrorRow>>): Readonly<Record<string, ErrorEntry>> {
  return Object.fromEntries(Object.entries(rows).map(([cause, row]) => [cause, errorEntry(cause, row)]));
}

export const BITRIX_ERRORS: Readonly<Record<string, ErrorEntry>> = errorTable({
  // pull.application.push.add
  WRONG_AUTH_TYPE: ['WRONG_AUTH_TYPE', 502, false],
  ACCESS_ERROR: ['NOT_ADMIN', 403, false],
  TEXT_ERROR: ['TEXT_EMPTY', 400, false],
  EMPTY_APP_NAME: ['APP_NAME_EMPTY', 502, false],
  // System errors any method may return
  INTERNAL_SERVER_ERROR: ['PORTAL_ERROR', 502, true],
  ERROR_UNEXPECTED_ANSWER: ['PORTAL_ERROR', 502, true],
  QUERY_LIMIT_EXCEEDED: ['RATE_LIMITED', 503, true],
  OPERATION_TIME_LIMIT: ['RATE_LIMITED', 503, true],
  OVERLOAD_LIMIT: ['PORTAL_BLOCKED', 503, false],
  ERROR_BATCH_METHOD_NOT_ALLOWED: ['PORTAL_ERROR', 502, false],
  ERROR_BATCH_LENGTH_EXCEEDED: ['PORTAL_ERROR', 502, false],
  NO_AUTH_FOUND: ['REOPEN_APP', 401, false],
  invalid_token: ['REOPEN_APP', 401, false],
  expired_token: ['REOPEN_APP', 401, true],
  INVALID_REQUEST: ['PORTAL_ERROR', 502, false],
  ACCESS_DENIED: ['PLAN_REQUIRED', 403, false],
  INVALID_CREDENTIALS: ['NOT_ALLOWED', 403, false],
  ERROR_MANIFEST_IS_NOT_AVAILABLE: ['PORTAL_ERROR', 502, false],
  insufficient_scope: ['SCOPE_MISSING', 403, false],
  user_access_error: ['APP_ACCESS_RESTRICTED', 403, false],
  // The user the app acts for was deactivated (fired): the core answers `authorization_error`, "Unable to authorize user".
  authorization_error: ['USER_DEACTIVATED', 403, false],
  // The app is not (or no longer) installed on the portal.
  APPLICATION_NOT_FOUND: ['APP_NOT_INSTALLED', 410, false],
  // Our own code: the portal's old address answered with a redirect (it was renamed).
  PORTAL_MOVED: ['PORTAL_MOVED', 502, true],
  // Our own code: the portal sent an answer (or listed more rows) far beyond any real one; it was not read (issue 18).
  ANSWER_TOO_LARGE: ['PORTAL_ANSWER_TOO_LARGE', 502, false],
  PORTAL_DELETED: ['PORTAL_CLOSED', 410, false],
  // OAuth server
  invalid_grant: ['REOPEN_APP', 401, false],
  // settings/oauth/auto-renewal.md: the trial or the paid period of the app has ended.
  PAYMENT_REQUIRED: ['SUBSCRIPTION_ENDED', 402, false],
  invalid_client: ['APP_MISCONFIGURED', 502, false],
});

/** Transport problems and codes we have never seen: honest, and never a raw Bitrix24 text. */
export const UNKNOWN_ERROR: ErrorEntry = errorEntry('', ['PORTAL_ERROR', 502, true]);

export const NETWORK_ERROR: ErrorEntry = errorEntry('NETWORK_ERROR', ['PORTAL_UNREACHABLE', 502, true]);

export function describeBitrixError(code: string): ErrorEntry {
  if (code === 'NETWORK_ERROR') return NETWORK_ERROR;
  return BITRIX_ERRORS[code] ?? UNKNOWN_ERROR;
}
