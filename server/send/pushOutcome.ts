import { ANSWER_TOO_LARGE, BitrixError, NOT_CONNECTED } from '../bitrix/restClient.js';
import { isOperatingTimeBlock, isRateLimitRefusal } from '../bitrix/retryPolicy.js';
import { AudienceError } from '../audience/audienceErrors.js';
import { TokensUnusableError } from '../bitrix/portalGateway.js';
import type { ChunkRecord, SendStatus } from '../storage/sendStore.js';
import { isTransientDatabaseError } from '../storage/database.js';
import { DATABASE_UNAVAILABLE, OUTCOME_UNKNOWN } from './sendErrors.js';

/**
 * What a push call's result means: a failure is retried only when Bitrix24 certainly did not take the
 * chunk; one that may have reached it is `uncertain` and never resent. Also the chunking of an audience
 * and a send's final status from its chunks.
 */

/** Answers from inside the method where acceptance is unknown (an oversized answer was not read: it may have said `true`). */
const MAYBE_ACCEPTED = new Set(['INTERNAL_SERVER_ERROR', 'ERROR_UNEXPECTED_ANSWER', 'BAD_ANSWER', ANSWER_TOO_LARGE, OUTCOME_UNKNOWN]);

export type CallOutcome =
  | { kind: 'accepted' }
  | { kind: 'retry'; code: string }
  | { kind: 'uncertain'; code: string }
  | { kind: 'fatal'; code: string }
  /** Refused before running, until `resetAt` (epoch ms; null when Bitrix24 did not say). */
  | { kind: 'pause'; code: string; resetAt: number | null };

/** The error code recorded for a failure. */
export function errorCodeOf(error: unknown): string {
  if (error instanceof TokensUnusableError) {
    if (error.reason === 'invalid_grant') return 'invalid_grant';
    if (error.reason === 'portal_unavailable') return 'PORTAL_UNAVAILABLE';
    return 'NO_STORED_AUTH';
  }
  if (error instanceof BitrixError) return error.code;
  if (error instanceof AudienceError) return error.code;
  return 'INTERNAL_ERROR';
}

/** What a failed push call means for its chunk. */
export function classifyPushFailure(error: unknown): CallOutcome {
  if (error instanceof BitrixError) {
    if (isRateLimitRefusal(error)) return { kind: 'retry', code: error.code };
    if (isOperatingTimeBlock(error)) return { kind: 'pause', code: error.code, resetAt: error.resetAt };
    if (error.code === 'NETWORK_ERROR') return error.description === NOT_CONNECTED ? { kind: 'retry', code: error.code } : { kind: 'uncertain', code: OUTCOME_UNKNOWN };
    if (MAYBE_ACCEPTED.has(error.code)) return { kind: 'uncertain', code: error.code };
    if (error.code === 'HTTP_ERROR') return error.httpStatus >= 500 ? { kind: 'uncertain', code: OUTCOME_UNKNOWN } : { kind: 'fatal', code: error.code };
    return { kind: 'fatal', code: error.code };
  }
  if (error instanceof TokensUnusableError) return { kind: 'fatal', code: errorCodeOf(error) };
  // The gateway reads the stored authorization before a call and touches the database after none that
  // may have reached Bitrix24: its database failing means the push did not go.
  if (isTransientDatabaseError(error)) return { kind: 'retry', code: DATABASE_UNAVAILABLE };
  // Our own failure somewhere around the call: whether the request left is unknown.
  return { kind: 'uncertain', code: OUTCOME_UNKNOWN };
}

export function splitIntoChunks(userIds: readonly number[], size: number): number[][] {
  const chunks: number[][] = [];
  for (let start = 0; start < userIds.length; start += size) chunks.push(userIds.slice(start, start + size));
  return chunks;
}

export function finalStatus(chunks: readonly ChunkRecord[]): { status: SendStatus; errorCode: string | null } {
  const accepted = chunks.filter((chunk) => chunk.status === 'accepted').length;
  const firstProblem = chunks.find((chunk) => chunk.status !== 'accepted');
  if (!firstProblem) return { status: 'sent', errorCode: null };
  return { status: accepted > 0 ? 'partly_failed' : 'failed', errorCode: firstProblem.errorCode ?? OUTCOME_UNKNOWN };
}
