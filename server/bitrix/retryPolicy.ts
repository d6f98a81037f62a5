import { BitrixError } from './restClient.js';

/**
 * The retry rules for calls to Bitrix24, in one place (limits.md):
 * - QUERY_LIMIT_EXCEEDED (503): the portal's request bucket, shared with every other app and process on
 *   it, is full. Refused before the method runs, usually clear within a second or two (2 requests a
 *   second drain): a read waits and tries again, twice (`retryWhileRateLimited`); a push chunk backs off
 *   and tries again (the send pipeline's attempts).
 * - OPERATION_TIME_LIMIT (429): the method used its operating-time budget (480 s in 10 minutes) and is
 *   blocked, for this application on this portal only (other methods, applications and portals go on).
 *   Refused before it runs, minutes away, and in the core answered without `time`: a send pauses until
 *   the `operating_reset_at` of the method's last successful answer (limits.md: "for the first retry,
 *   refer to operating_reset_at from the last successful response"), or until the block's own one if a
 *   portal sends one, else `DEFAULT_PAUSE_MS`; never more than `MAX_PAUSE_MS` (`pauseEnd`). Still blocked
 *   then (later baskets keep the sum over the limit), it pauses again. A read in a request is not
 *   waited for.
 * Anything that may have run is never repeated for a push (the send pipeline's classification).
 */
export const RATE_LIMIT_RETRY_WAITS_MS: readonly number[] = [600, 1_200];
export const QUERY_LIMIT_EXCEEDED = 'QUERY_LIMIT_EXCEEDED';
export const OPERATION_TIME_LIMIT = 'OPERATION_TIME_LIMIT';
/** How long a send pauses when Bitrix24 blocks a method without saying until when: half its 10-minute window. */
export const DEFAULT_PAUSE_MS = 5 * 60_000;
/**
 * The longest a send pauses for one block, whatever the answer says (issue 18: a reset in the year
 * 33658 paused a send for good). The budget counts the last 10 minutes ("480 seconds within a 10-minute
 * period", bitrix24/b24restdocs limits.md), so what blocks a method now leaves the window within 10
 * minutes; one more minute covers a portal clock ahead of ours. A method still blocked then pauses the
 * send again.
 */
export const MAX_PAUSE_MS = 11 * 60_000;
/** The shortest pause: a reset already past (or a clock behind ours) must not make the send spin. */
export const MIN_PAUSE_MS = 1_000;

/**
 * When a send Bitrix24 paused may go on, always 1 s to 11 minutes from `now`: when the block said
 * (`resetAt`, epoch ms); else when the method's last successful answer said its oldest basket is
 * released (`lastResetAt`), if that is still ahead (nothing is released before it, so trying sooner is
 * pointless); else after the default pause (a remembered moment already past was not enough: the next
 * release is unknown).
 */
export function pauseEnd(resetAt: number | null, now: number, lastResetAt: number | null = null): number {
  const remembered = lastResetAt !== null && Number.isFinite(lastResetAt) && lastResetAt > now ? lastResetAt : null;
  const said = resetAt !== null && Number.isFinite(resetAt) ? resetAt : (remembered ?? now + DEFAULT_PAUSE_MS);
  return Math.min(now + MAX_PAUSE_MS, Math.max(now + MIN_PAUSE_MS, said));
}

export function isRateLimitRefusal(error: unknown): boolean {
  return error instanceof BitrixError && error.code === QUERY_LIMIT_EXCEEDED;
}

export function isOperatingTimeBlock(error: unknown): boolean {
  return error instanceof BitrixError && error.code === OPERATION_TIME_LIMIT;
}

export interface RetryOptions {
  /** Whether this failure certainly left nothing done, so the same call may go again. */
  retryable: (error: unknown) => boolean;
  /** The wait before the try after `tried` failed ones (1-based), or undefined when the tries are used up. */
  waitMs: (tried: number) => number | undefined;
  sleep: (ms: number) => Promise<void>;
}

/** The one retry loop: `attempt` again after each retryable failure, waiting as told, until the tries are used up. */
export async function retrying<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let tried = 1; ; tried += 1) {
    try {
      return await attempt();
    } catch (error) {
      const wait = options.retryable(error) ? options.waitMs(tried) : undefined;
      if (wait === undefined) throw error;
      await options.sleep(wait);
    }
  }
}

/** A read in a request: a refusal for the portal's request limit is waited out twice, then the caller is told. */
export function retryWhileRateLimited<T>(attempt: () => Promise<T>, sleep: (ms: number) => Promise<void>): Promise<T> {
  return retrying(attempt, { retryable: isRateLimitRefusal, waitMs: (tried) => RATE_LIMIT_RETRY_WAITS_MS[tried - 1], sleep });
}
