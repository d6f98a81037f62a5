/**
 * Client-side leaky bucket per portal, mirroring Bitrix24's own (decision 0010, fact 11: burst 50, drain
 * 2/s), so we rarely meet QUERY_LIMIT_EXCEEDED. Each call reserves one unit at once (the level may
 * exceed the burst: that is the queue) and then waits until the bucket has drained below the burst, so
 * concurrent sends of one portal take turns in arrival order without polling. One limiter per process
 * (the send pipeline's), shared by all sends and audience look-ups of a portal.
 */

export interface RateLimit {
  burst: number;
  drainPerSecond: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { burst: 50, drainPerSecond: 2 };

export interface PortalRateLimiter {
  /** Resolves when one more request to this portal stays within the limit. */
  acquire(memberId: string): Promise<void>;
}

export function createPortalRateLimiter(options: { limit?: RateLimit; now: () => number; sleep: (ms: number) => Promise<void> }): PortalRateLimiter {
  const limit = options.limit ?? DEFAULT_RATE_LIMIT;
  if (!(limit.burst >= 1) || !(limit.drainPerSecond > 0)) throw new RangeError('rate limit needs burst >= 1 and drainPerSecond > 0');
  const buckets = new Map<string, { level: number; at: number }>();

  return {
    async acquire(memberId) {
      const now = options.now();
      const bucket = buckets.get(memberId) ?? { level: 0, at: now };
      bucket.level = Math.max(0, bucket.level - (Math.max(0, now - bucket.at) / 1000) * limit.drainPerSecond) + 1;
      bucket.at = now;
      buckets.set(memberId, bucket);
      // Forget idle portals: a drained bucket is the same as none.
      if (buckets.size > 1000) {
        for (const [key, other] of buckets) if (other.level - ((now - other.at) / 1000) * limit.drainPerSecond <= 0) buckets.delete(key);
      }
      const excess = bucket.level - limit.burst;
      if (excess > 0) await options.sleep(Math.ceil((excess / limit.drainPerSecond) * 1000));
    },
  };
}
