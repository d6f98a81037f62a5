import { OAuthError } from '../bitrix/oauthClient.js';
import { createAllowance, refusingWindows, retryAfterSeconds, type BurstLimit } from '../limits/allowance.js';
import { createMemoryLimitStore, type LimitStore } from '../limits/limitStore.js';

/**
 * Verifying an install POST, an app-page POST or an ONAPPINSTALL for a portal we do not know spends a
 * refresh-token grant with our client_secret at the OAuth server, and anyone can send those requests.
 * Bitrix24 blocks applications that load its OAuth server needlessly (settings/oauth/auto-renewal.md),
 * so the verifications that Bitrix24 does not vouch for are bounded: per source address and overall.
 * A verification is charged when it starts (a concurrent flood is bounded too) and refunded when it
 * succeeds, or when the OAuth server could not be reached (nobody's fault): genuine openings never use
 * up the budget, garbage does, quickly. The counts live in the limit store (decision 0014), shared by
 * every process; if it cannot be reached, verifications are refused (nothing unauthenticated spends our
 * credentials' standing while the bound cannot be kept).
 */

export interface OpeningBudgetLimits {
  perAddress: BurstLimit;
  overall: BurstLimit;
}

export const DEFAULT_OPENING_BUDGET: OpeningBudgetLimits = {
  perAddress: { burst: 5, perSecond: 0.1 },
  overall: { burst: 50, perSecond: 1 },
};

export interface OpeningBudget {
  /**
   * Runs `verify` if the budget allows one more verification from `address`, else throws
   * OpeningBudgetExceededError without contacting anyone. A successful verification is refunded.
   */
  verify<T>(address: string, verify: () => Promise<T>): Promise<T>;
}

export class OpeningBudgetExceededError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('Too many unverified openings: verification refused without contacting Bitrix24');
    this.name = 'OpeningBudgetExceededError';
  }
}

const OVERALL = 'overall';

export function createOpeningBudget(options: { limits?: OpeningBudgetLimits; now?: () => number; store?: LimitStore } = {}): OpeningBudget {
  const limits = options.limits ?? DEFAULT_OPENING_BUDGET;
  const store = options.store ?? createMemoryLimitStore(options.now);
  const perAddress = createAllowance(store, 'opening-address', refusingWindows(limits.perAddress), 'refuse');
  const overall = createAllowance(store, 'opening-overall', refusingWindows(limits.overall), 'refuse');
  return {
    async verify(address, verify) {
      const byAddress = await perAddress.take(address);
      if (!byAddress.taken) throw new OpeningBudgetExceededError(retryAfterSeconds(byAddress.retryInMs));
      const byAll = await overall.take(OVERALL);
      if (!byAll.taken) {
        await byAddress.giveBack();
        throw new OpeningBudgetExceededError(retryAfterSeconds(byAll.retryInMs));
      }
      const refund = () => Promise.all([byAddress.giveBack(), byAll.giveBack()]);
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
