import type { RequestHandler } from 'express';
import { refuse } from './answer.js';

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

export interface TokenBuckets {
  /** Takes one token: 0, or (taking nothing) the seconds until one is back. */
  take(key: string): number;
  /** 0 if a token is there (taking nothing), else the seconds until one is back. */
  wait(key: string): number;
  /** Puts back a token taken for work that turned out not to count against the key. */
  give(key: string): void;
}

/** Token buckets by key, in this process. */
export function tokenBuckets(bucket: Bucket, now: () => number): TokenBuckets {
  const levels = new Map<string, { tokens: number; at: number }>();
  const level = (key: string, at: number) => {
    const current = levels.get(key) ?? { tokens: bucket.burst, at };
    return Math.min(bucket.burst, current.tokens + ((at - current.at) / 1000) * bucket.perSecond);
  };
  const secondsUntilOne = (tokens: number) => Math.ceil((1 - tokens) / bucket.perSecond);
  return {
    take(key) {
      const at = now();
      const tokens = level(key, at);
      if (levels.size >= MAX_TRACKED && !levels.has(key)) {
        const oldest = levels.keys().next();
        if (!oldest.done) levels.delete(oldest.value);
      }
      if (tokens < 1) {
        levels.set(key, { tokens, at });
        return secondsUntilOne(tokens);
      }
      levels.delete(key);
      levels.set(key, { tokens: tokens - 1, at });
      return 0;
    },
    wait(key) {
      const tokens = level(key, now());
      return tokens < 1 ? secondsUntilOne(tokens) : 0;
    },
    give(key) {
      const at = now();
      const tokens = Math.min(bucket.burst, level(key, at) + 1);
      if (tokens >= bucket.burst) levels.delete(key);
      else levels.set(key, { tokens, at });
    },
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
    const wait = users.take(`${caller.memberId}:${caller.userId}`) || portals.take(caller.memberId);
    if (wait === 0) return next();
    res.setHeader('Retry-After', String(wait));
    refuse(res, 429, { error: 'TOO_MANY_REQUESTS', message: `Too many requests from this app in a short time. Wait ${wait} s and try again.` });
  };
}
