/**
 * What a database error says about the database rather than about the statement: the connection is
 * gone or the database does not answer in time (then a request answers 503 DATABASE_UNAVAILABLE, see
 * server/app.ts, its text in contract/texts/), or a conflict that trying again resolves.
 */

/** A statement got no answer within its deadline (server/storage/boundedPool.ts): its connection was dropped. */
export class StatementTimeoutError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StatementTimeoutError';
  }
}

/** SQLSTATEs of a server going away or refusing connections: class 08 (connection exception) is added below. */
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown (pg_terminate_backend, a restart)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, in recovery)
  '53300', // too_many_connections
  '57014', // query_canceled: statement_timeout cut a statement the database did not finish in time
]);
/** Conflicts between transactions: the same statement succeeds when tried again. */
const CONFLICT_SQLSTATES = new Set(['40001', '40P01']);
const UNAVAILABLE_NODE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'SQLITE_BUSY', 'SQLITE_LOCKED']);
/** pg and pg-pool's own messages for a lost, refused or timed-out connection. */
const UNAVAILABLE_MESSAGES = /Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect|Query read timeout/i;

function codeOf(error: Error): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** The error and the errors it wraps (`cause`), a few levels deep. */
function* causes(error: unknown): Generator<Error> {
  let current = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    yield current;
    current = current.cause;
  }
}

function unavailable(error: Error): boolean {
  if (error instanceof StatementTimeoutError) return true;
  const code = codeOf(error);
  if (code && (UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08') || UNAVAILABLE_NODE_CODES.has(code))) return true;
  return UNAVAILABLE_MESSAGES.test(error.message);
}

/**
 * Whether the database cannot be reached or does not answer in time (connection lost, refused or timed
 * out; the server shutting down or full; a statement cut by a deadline; SQLite locked past its busy
 * timeout): nothing the request did wrong, and trying again in a few seconds may succeed.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (const each of causes(error)) if (unavailable(each)) return true;
  return false;
}

/**
 * Whether a statement may be tried again on a fresh connection or a moment later: the database was
 * unavailable (above), or the statement lost a conflict that retrying resolves (serialization failure,
 * deadlock).
 */
export function isTransientDatabaseError(error: unknown): boolean {
  if (isDatabaseUnavailable(error)) return true;
  for (const each of causes(error)) {
    const code = codeOf(each);
    if (code && CONFLICT_SQLSTATES.has(code)) return true;
  }
  return false;
}

/** How long a client is asked to wait (Retry-After) while the database is unavailable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;
