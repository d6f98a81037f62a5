import { BitrixError } from './restClient.js';

/**
 * The one rule for a read the portal refused with QUERY_LIMIT_EXCEEDED: Bitrix24 refuses before it runs
 * the method, so the read is safe to repeat. The portal's budget is shared with every other app and
 * process on it, so a refusal is common on a busy portal and usually clears within a second or two
 * (the bucket drains 2 requests a second): wait and try again, twice, before the caller is told.
 */
export const RATE_LIMIT_RETRY_WAITS_MS: readonly number[] = [600, 1_200];

export function isRateLimitRefusal(error: unknown): boolean {
  return error instanceof BitrixError && error.code === 'QUERY_LIMIT_EXCEEDED';
}

export async function retryWhileRateLimited<T>(attempt: () => Promise<T>, sleep: (ms: number) => Promise<void>): Promise<T> {
  for (let tried = 0; ; tried += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!isRateLimitRefusal(error) || tried >= RATE_LIMIT_RETRY_WAITS_MS.length) throw error;
      await sleep(RATE_LIMIT_RETRY_WAITS_MS[tried]!);
    }
  }
}
