import { describeBitrixError, errorTable, type ErrorEntry } from '../bitrix/errorCatalog.js';

/**
 * Failures of a send that are not Bitrix24 error codes. Stored in `sends.error_code` /
 * `send_chunks.error_code` beside Bitrix24's own codes, and described through the same table shape (the
 * texts are in contract/texts/, one file per language); `describeSendError` looks here first, then in
 * the Bitrix24 error table.
 */

/** The code of a push that may have reached Bitrix24 but got no answer (a network failure after the request left): recorded uncertain, never repeated. */
export const OUTCOME_UNKNOWN = 'PUSH_OUTCOME_UNKNOWN';
/** Our database could not be reached before a push call (its stored authorization): the push did not go. */
export const DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE';
/** A scheduled send's sender was no longer an administrator when its time came. */
export const SENDER_NOT_ADMIN = 'SENDER_NOT_ADMIN';
/** A scheduled send cancelled because the app was removed from its portal (decision 0015). */
export const APP_UNINSTALLED = 'APP_UNINSTALLED';
/**
 * `POST /api/sends` refusals (400, never stored): the push is over the iPhone payload cap and the request
 * did not ask to shorten it (decision 0010, fact 28); or the app name and the image leave no room for text.
 */
export const TEXT_TOO_LONG_FOR_IPHONE = 'TEXT_TOO_LONG_FOR_IPHONE';
export const AVATAR_TOO_LONG_FOR_IPHONE = 'AVATAR_TOO_LONG_FOR_IPHONE';

export const SEND_ERRORS: Readonly<Record<string, ErrorEntry>> = errorTable({
  [OUTCOME_UNKNOWN]: ['OUTCOME_UNKNOWN', 502, false],
  NO_RECIPIENTS: ['NO_RECIPIENTS', 422, false],
  DEPARTMENT_NOT_FOUND: ['DEPARTMENT_NOT_FOUND', 422, false],
  GROUP_NOT_FOUND: ['GROUP_NOT_FOUND', 422, false],
  [SENDER_NOT_ADMIN]: ['SENDER_NOT_ADMIN', 403, false],
  [APP_UNINSTALLED]: [APP_UNINSTALLED, 410, false],
  NO_STORED_AUTH: ['REOPEN_APP', 401, false],
  PORTAL_UNAVAILABLE: ['UNKNOWN_PORTAL', 410, false],
  INTERRUPTED: ['OUTCOME_UNKNOWN', 502, false],
  [DATABASE_UNAVAILABLE]: ['DATABASE_UNAVAILABLE', 503, true],
  [TEXT_TOO_LONG_FOR_IPHONE]: [TEXT_TOO_LONG_FOR_IPHONE, 400, false],
  [AVATAR_TOO_LONG_FOR_IPHONE]: [AVATAR_TOO_LONG_FOR_IPHONE, 400, false],
  INTERNAL_ERROR: ['INTERNAL_ERROR', 502, false],
});

export function describeSendError(code: string): ErrorEntry {
  return SEND_ERRORS[code] ?? describeBitrixError(code);
}
