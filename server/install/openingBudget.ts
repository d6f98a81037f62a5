import { tokenBuckets, type Bucket } from '../api/apiRateLimit.js';
import { OAuthError } from '../bitrix/oauthClient.js';

/**
 * Verifying an install POST, an app-page POST or an ONAPPINSTALL for a portal we do not know spends a
 * refresh-token grant with our client_secret at the OAuth server, and anyone can send those requests.
 * Bitrix24 blocks applications that load its OAuth server needlessly (settings/oauth/auto-renewal.md),
 * so the verifications that Bitrix24 does not vouch for are bounded: per source address and overall.
 * A verification is charged when it starts (a concurrent flood is bounded too) and refunded when it
 * succeeds, or when the OAuth server could not be reached (nobody's fault): genuine openings never use
 * up the budget, garbage does, quickly.
 */

export interface OpeningBudgetLimits {
  perAddress: Bucket;
  overall: Bucket;
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

export function createOpeningBudget(options: { limits?: OpeningBudgetLimits; now?: () => number } = {}): OpeningBudget {
  const limits = options.limits ?? DEFAULT_OPENING_BUDGET;
  const now = options.now ?? Date.now;
  const perAddress = tokenBuckets(limits.perAddress, now);
  const overall = tokenBuckets(limits.overall, now);
  const start = (address: string): number => {
    const wait = perAddress.take(address);
    if (wait > 0) return wait;
    const overallWait = overall.take(OVERALL);
    if (overallWait > 0) perAddress.give(address);
    return overallWait;
  };
  const refund = (address: string): void => {
    perAddress.give(address);
    overall.give(OVERALL);
  };
  return {
    async verify(address, verify) {
      const wait = start(address);
      if (wait > 0) throw new OpeningBudgetExceededError(wait);
      try {
        const result = await verify();
        refund(address);
        return result;
      } catch (error) {
        if (error instanceof OAuthError && error.code === 'unavailable') refund(address);
        throw error;
      }
    },
  };
}
