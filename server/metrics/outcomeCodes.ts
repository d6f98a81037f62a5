import { BITRIX_ERRORS } from '../bitrix/errorCatalog.js';
import { OAuthError } from '../bitrix/oauthClient.js';
import { TokensUnusableError } from '../bitrix/portalGateway.js';
import { BitrixError, PORTAL_MOVED } from '../bitrix/restClient.js';

/**
 * Label values for outcomes. A label value is a time series of its own, so only codes we know become
 * one: an unknown error code a portal or the OAuth server invents is counted as `other` (its text is in
 * the log), and the set of series stays small whatever they answer.
 */

/** What restClient and batch make of transport problems, besides Bitrix24's own codes (errorCatalog.ts). */
const TRANSPORT_CODES = new Set(['NETWORK_ERROR', 'BAD_ANSWER', 'HTTP_ERROR', PORTAL_MOVED, 'ERROR_METHOD']);
const OAUTH_CODES = new Set(['invalid_grant', 'invalid_client', 'invalid_request', 'invalid_scope', 'unavailable', 'bad_answer']);

/**
 * A REST call's outcome: `ok`, Bitrix24's error code, the reason stored tokens were unusable
 * (`no_tokens`, `invalid_grant`, `no_admin`, `portal_unavailable`), `oauth_<code>` when renewing the
 * tokens failed, `other` for an unknown code, `error` for anything else (the database, a bug).
 */
export function restCallCode(error: unknown): string {
  if (error instanceof BitrixError) return Object.hasOwn(BITRIX_ERRORS, error.code) || TRANSPORT_CODES.has(error.code) ? error.code : 'other';
  if (error instanceof TokensUnusableError) return error.reason;
  if (error instanceof OAuthError) return `oauth_${OAUTH_CODES.has(error.code) ? error.code : 'other'}`;
  return 'error';
}

/** A refresh's outcome when it failed: the OAuth error code (`invalid_grant`, `unavailable`, …), `other`, or `error`. */
export function refreshFailureCode(error: unknown): string {
  if (error instanceof OAuthError) return OAUTH_CODES.has(error.code) ? error.code : 'other';
  return 'error';
}
