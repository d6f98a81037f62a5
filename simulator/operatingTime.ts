import type { Clock } from './contract.js';
import { RestError } from './restAnswer.js';

/**
 * Operating-time limits (bitrix24/b24restdocs limits.md): the execution time of each method is summed
 * over 10 minutes; past 480 s the method is blocked for the whole portal until part of the budget is
 * released, answering 429 OPERATION_TIME_LIMIT before it runs. Every answer carries `time.operating`
 * (the method's sum, seconds) and `time.operating_reset_at` (when a part is released, Unix seconds).
 * The simulator charges each call a fixed cost per method, and tests may also block a method outright.
 */

export interface OperatingBudget {
  /** Seconds of execution a method may use in the window (480 on Bitrix24). */
  budgetSeconds: number;
  windowMs: number;
  /** What one call of a method costs, in ms of execution. */
  costMs: (method: string) => number;
}

export const DEFAULT_OPERATING_BUDGET: OperatingBudget = { budgetSeconds: 480, windowMs: 600_000, costMs: () => 20 };

export class OperatingMeter {
  private readonly spent = new Map<string, Array<{ at: number; ms: number }>>();
  private readonly blocked = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly budget: OperatingBudget = DEFAULT_OPERATING_BUDGET,
  ) {}

  /** Blocks a method until `untilMs`, as a portal whose budget for it ran out. */
  block(method: string, untilMs: number): void {
    this.blocked.set(method, untilMs);
  }

  /** Throws the portal's refusal when the method is blocked now. */
  check(method: string): void {
    const now = this.clock.now();
    const until = this.blocked.get(method) ?? 0;
    if (until > now) throw blockedError(until);
    this.blocked.delete(method);
    if (this.sumMs(method, now) > this.budget.budgetSeconds * 1000) {
      const releasedAt = this.releaseAt(method, now);
      this.blocked.set(method, releasedAt);
      throw blockedError(releasedAt);
    }
  }

  /** Charges one call; what the answer's `time` says of the method afterwards. */
  record(method: string): { operating: number; operatingResetAt: number } {
    const now = this.clock.now();
    const entries = this.spent.get(method) ?? [];
    entries.push({ at: now, ms: this.budget.costMs(method) });
    this.spent.set(method, entries);
    return { operating: this.sumMs(method, now) / 1000, operatingResetAt: Math.ceil(this.releaseAt(method, now) / 1000) };
  }

  private sumMs(method: string, now: number): number {
    const entries = (this.spent.get(method) ?? []).filter((entry) => entry.at > now - this.budget.windowMs);
    this.spent.set(method, entries);
    return entries.reduce((sum, entry) => sum + entry.ms, 0);
  }

  /** When the oldest charge still in the window leaves it. */
  private releaseAt(method: string, now: number): number {
    const oldest = this.spent.get(method)?.[0];
    return (oldest ? oldest.at : now) + this.budget.windowMs;
  }
}

function blockedError(untilMs: number): RestError {
  return new RestError(429, 'OPERATION_TIME_LIMIT', 'Method is blocked due to operation time limit.', { time: { operating_reset_at: Math.ceil(untilMs / 1000) } });
}
