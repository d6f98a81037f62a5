import { OAuthError } from '../bitrix/oauthClient.js';
import { createAllowance, refusingWindows, retryAfterSeconds, type Allowance, type BurstLimit } from '../limits/allowance.js';
import { createMemoryLimitStore, type LimitStore } from '../limits/limitStore.js';
import { networkKey } from '../http/networkKey.js';

/**
 * Verifying an install POST, an app-page POST or an ONAPPINSTALL costs something that is not ours to
 * waste, and anyone can send those requests with any member_id from many addresses:
 * - for a portal we do not know, the OAuth server's token check or, where nothing else names the portal,
 *   a refresh-token grant with our client_secret. Bitrix24 blocks applications that load its OAuth
 *   server needlessly (settings/oauth/auto-renewal.md);
 * - for a portal we know, a `profile` call at its stored address: a share of the portal's REST budget.
 * So every verification is bounded per source network (an IPv4 address, an IPv6 /64: one subscriber can
 * rotate through a whole /64) and per claimed portal; only verifications of portals we do not know also
 * spend an overall budget, so forged openings for unknown portals never keep a known portal's admin out.
 * A verification is charged when it starts (a concurrent flood is bounded too) and refunded when it
 * succeeds, or when the OAuth server could not be reached (nobody's fault): genuine openings never use
 * up the budget, garbage does, quickly. The counts live in the limit store (decision 0014), shared by
 * every process; while it cannot be reached each process keeps the bounds alone (decision 0014).
 */

export interface OpeningBudgetLimits {
  perNetwork: BurstLimit;
  perPortal: BurstLimit;
  /** Every verification of a portal we do not know (the ones that go to the OAuth server). */
  unknownPortals: BurstLimit;
}

export const DEFAULT_OPENING_BUDGET: OpeningBudgetLimits = {
  perNetwork: { burst: 5, perSecond: 0.1 },
  perPortal: { burst: 10, perSecond: 0.2 },
  unknownPortals: { burst: 50, perSecond: 1 },
};

/** The portal an opening claims, and whether we hold it (then the portal itself, not the OAuth server, is asked first). */
export interface ClaimedPortal {
  memberId: string;
  known: boolean;
}

export interface OpeningBudget {
  /**
   * Runs `verify` if the budget allows one more verification from `address` for `claimed`, else throws
   * OpeningBudgetExceededError without contacting anyone. A successful verification is refunded. Without
   * `claimed` the opening counts as one for a portal we do not know.
   */
  verify<T>(address: string, verify: () => Promise<T>, claimed?: ClaimedPortal): Promise<T>;
}

export class OpeningBudgetExceededError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('Too many unverified openings: verification refused without contacting Bitrix24');
    this.name = 'OpeningBudgetExceededError';
  }
}

const ALL_UNKNOWN = 'unknown-portals';

export function createOpeningBudget(options: { limits?: OpeningBudgetLimits; now?: () => number; store?: LimitStore } = {}): OpeningBudget {
  const limits = options.limits ?? DEFAULT_OPENING_BUDGET;
  const store = options.store ?? createMemoryLimitStore(options.now);
  const perNetwork = createAllowance(store, 'opening-network', refusingWindows(limits.perNetwork));
  const perPortal = createAllowance(store, 'opening-portal', refusingWindows(limits.perPortal));
  const unknownPortals = createAllowance(store, 'opening-unknown', refusingWindows(limits.unknownPortals));
  return {
    async verify(address, verify, claimed) {
      const budgets: Array<[Allowance, string]> = [[perNetwork, networkKey(address)]];
      if (claimed) budgets.push([perPortal, claimed.memberId]);
      if (!claimed?.known) budgets.push([unknownPortals, ALL_UNKNOWN]);
      const taken: Array<() => Promise<void>> = [];
      const refund = () => Promise.all(taken.map((giveBack) => giveBack()));
      for (const [allowance, key] of budgets) {
        const take = await allowance.take(key);
        if (!take.taken) {
          await refund();
          throw new OpeningBudgetExceededError(retryAfterSeconds(take.retryInMs));
        }
        taken.push(take.giveBack);
      }
      try {
        const result = await verify();
        await refund();
        return result;
      } catch (error) {
        if (error instanceof OAuthError && error.code === 'unavailable') await refund();
        throw error;
      }
    },
  };
}
