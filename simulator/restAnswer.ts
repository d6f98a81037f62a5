import type { Clock } from './contract.js';

/** A REST failure with Bitrix24's error code and the HTTP status it answers with. */
export class RestError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly error: string,
    readonly description: string = '',
    /** More fields of the error answer (e.g. `time` for OPERATION_TIME_LIMIT). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(`${error}: ${description}`);
    this.name = 'RestError';
  }

  toJSON(): Record<string, unknown> {
    return { error: this.error, error_description: this.description, ...this.extra };
  }
}

/** The standard errors every method may answer with. */
export const errors = {
  noAuth: () => new RestError(401, 'NO_AUTH_FOUND', 'Wrong authorization data'),
  invalidToken: () => new RestError(401, 'invalid_token', 'The access token provided is invalid.'),
  expiredToken: () => new RestError(401, 'expired_token', 'The access token provided has expired.'),
  // core rest/lib/oauth/auth.php: the app is not (or no longer) installed; checked before expiry.
  applicationNotFound: () => new RestError(401, 'APPLICATION_NOT_FOUND', 'Application not found'),
  // core rest/lib/oauth/auth.php: CRestUtil::makeAuth failed (the user was deactivated).
  authorizationError: () => new RestError(401, 'authorization_error', 'Unable to authorize user'),
  insufficientScope: () => new RestError(403, 'insufficient_scope', 'The request requires higher privileges than provided by the access token.'),
  methodNotFound: () => new RestError(404, 'ERROR_METHOD_NOT_FOUND', 'Method not found!'),
  queryLimit: () => new RestError(503, 'QUERY_LIMIT_EXCEEDED', 'Too many requests'),
  accessDenied: (description = 'Access denied!') => new RestError(403, 'ACCESS_DENIED', description),
  wrongAuthType: (description = 'Current authorization type is denied for this method Application context required') =>
    new RestError(403, 'WRONG_AUTH_TYPE', description),
  argument: (name: string) => new RestError(400, 'ERROR_ARGUMENT', `Argument '${name}' is null or empty`),
};

export interface RestTime {
  start: number;
  finish: number;
  duration: number;
  processing: number;
  date_start: string;
  date_finish: string;
  operating_reset_at: number;
  operating: number;
}

/**
 * The `time` block of every answer (the SDK fails without it). Start comes from the injected clock so
 * answers agree with token expiry; duration is the real time spent.
 */
export function restTime(clock: Clock, startedAtMs: number, processingMs: number, operating: { operating: number; operatingResetAt: number } | null = null): RestTime {
  const start = startedAtMs / 1000;
  const duration = Math.max(processingMs, 0.05) / 1000;
  const finish = start + duration;
  return {
    start,
    finish,
    duration,
    processing: processingMs / 1000,
    date_start: isoSeconds(startedAtMs),
    date_finish: isoSeconds(finish * 1000),
    operating_reset_at: operating ? operating.operatingResetAt : Math.floor(clock.now() / 1000) + 600,
    operating: operating ? operating.operating : 0,
  };
}

function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}
