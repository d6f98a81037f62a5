import { createAllowance, pacingWindows } from '../limits/allowance.js';
import { createMemoryLimitStore, type LimitStore } from '../limits/limitStore.js';

/**
 * Our pace of REST calls per portal, kept under Bitrix24's leaky bucket (decision 0010, fact 11: burst
 * 50, drain 2/s) so we rarely meet QUERY_LIMIT_EXCEEDED. The count lives in the limit store (decision
 * 0014), so every process of the app shares one pace per portal: the token checks, the picker's reads,
 * the audience reads and the pushes of all processes together. A call waits for a slot and is never
 * dropped: when the portal's windows are spent it sleeps until the sooner one ends and tries again. If
 * the store cannot be reached, the process paces on its own (sends never stop for it).
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

export function createPortalRateLimiter(options: { limit?: RateLimit; now?: () => number; sleep: (ms: number) => Promise<void>; store?: LimitStore }): PortalRateLimiter {
  const limit = options.limit ?? DEFAULT_RATE_LIMIT;
  const store = options.store ?? createMemoryLimitStore(options.now);
  const slots = createAllowance(store, 'rest', pacingWindows({ burst: limit.burst, perSecond: limit.drainPerSecond }));
  return {
    async acquire(memberId) {
      for (;;) {
        const slot = await slots.take(memberId);
        if (slot.taken) return;
        await options.sleep(slot.retryInMs);
      }
    },
  };
}
