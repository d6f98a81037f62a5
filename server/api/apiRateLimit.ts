import type { RequestHandler } from 'express';

/**
 * Per-user and per-portal limits on /api/ (after frameAuth, which names the caller): a token bucket
 * each, in this process. A burst covers search-as-you-type and a live preview; a script hammering the
 * API gets 429 with Retry-After long before it can eat the portal's own REST budget. Several processes
 * each keep their own buckets (the portal's limit, which they share, is what the send pipeline paces).
 */

export interface Bucket {
  burst: number;
  perSecond: number;
}

export interface ApiRateLimits {
  user: Bucket;
  portal: Bucket;
}

export const DEFAULT_API_RATE_LIMITS: ApiRateLimits = {
  user: { burst: 60, perSecond: 5 },
  portal: { burst: 300, perSecond: 25 },
};

const MAX_TRACKED = 20_000;

/** Token buckets by key; the returned function takes one token and answers 0, or the seconds until one is back. */
export function tokenBuckets(bucket: Bucket, now: () => number) {
  const levels = new Map<string, { tokens: number; at: number }>();
  return (key: string): number => {
    const at = now();
    const current = levels.get(key) ?? { tokens: bucket.burst, at };
    const tokens = Math.min(bucket.burst, current.tokens + ((at - current.at) / 1000) * bucket.perSecond);
    if (levels.size >= MAX_TRACKED && !levels.has(key)) {
      const oldest = levels.keys().next();
      if (!oldest.done) levels.delete(oldest.value);
    }
    if (tokens < 1) {
      levels.set(key, { tokens, at });
      return Math.ceil((1 - tokens) / bucket.perSecond);
    }
    levels.delete(key);
    levels.set(key, { tokens: tokens - 1, at });
    return 0;
  };
}

export function apiRateLimit(options: { limits?: ApiRateLimits; now?: () => number } = {}): RequestHandler {
  const limits = options.limits ?? DEFAULT_API_RATE_LIMITS;
  const now = options.now ?? Date.now;
  const users = tokenBuckets(limits.user, now);
  const portals = tokenBuckets(limits.portal, now);
  return (req, res, next) => {
    const caller = req.caller;
    if (!caller) return next();
    const wait = users(`${caller.memberId}:${caller.userId}`) || portals(caller.memberId);
    if (wait === 0) return next();
    res.setHeader('Retry-After', String(wait));
    res.status(429).json({ error: 'TOO_MANY_REQUESTS', message: `Too many requests from this app in a short time. Wait ${wait} s and try again.` });
  };
}
