import type { PortalRateLimiter } from '../send/rateLimiter.js';
import type { Metrics } from './metrics.js';

/** The REST limiter, observing how long each acquire waited (`teampush_rest_limit_wait_seconds`). */
export function instrumentLimiter(limiter: PortalRateLimiter, restLimitWait: Metrics['restLimitWait'], clock: () => number = () => performance.now()): PortalRateLimiter {
  return {
    async acquire(memberId) {
      const asked = clock();
      await limiter.acquire(memberId);
      restLimitWait.observe((clock() - asked) / 1000);
    },
  };
}
