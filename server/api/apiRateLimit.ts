import type { RequestHandler } from 'express';
import { createAllowance, refusingWindows, retryAfterSeconds, type BurstLimit } from '../limits/allowance.js';
import { createMemoryLimitStore, type LimitStore } from '../limits/limitStore.js';
import { refuse } from './answer.js';

/**
 * Per-user and per-portal limits on /api/ (after frameAuth, which names the caller). A burst covers
 * search-as-you-type and a live preview; a script hammering the API gets 429 with Retry-After long
 * before it can eat the portal's own REST budget. The counts live in the limit store (decision 0014),
 * shared by every process; if it cannot be reached, each process limits its own callers (the callers are
 * authenticated, and the REST calls they cause are paced anyway).
 */

export interface ApiRateLimits {
  user: BurstLimit;
  portal: BurstLimit;
}

export const DEFAULT_API_RATE_LIMITS: ApiRateLimits = {
  user: { burst: 60, perSecond: 5 },
  portal: { burst: 300, perSecond: 25 },
};

export function apiRateLimit(options: { limits?: ApiRateLimits; now?: () => number; store?: LimitStore } = {}): RequestHandler {
  const limits = options.limits ?? DEFAULT_API_RATE_LIMITS;
  const store = options.store ?? createMemoryLimitStore(options.now);
  const users = createAllowance(store, 'api-user', refusingWindows(limits.user));
  const portals = createAllowance(store, 'api-portal', refusingWindows(limits.portal));
  return async (req, res, next) => {
    const caller = req.caller;
    if (!caller) return next();
    let verdict = await users.take(`${caller.memberId}:${caller.userId}`);
    if (verdict.taken) verdict = await portals.take(caller.memberId);
    if (verdict.taken) return next();
    const wait = retryAfterSeconds(verdict.retryInMs);
    res.setHeader('Retry-After', String(wait));
    refuse(req, res, 429, { error: 'TOO_MANY_REQUESTS', detail: `Too many requests from this app in a short time: retry after ${wait} s.` });
  };
}
