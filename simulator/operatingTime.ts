import type { Clock } from './contract.js';
import { RestError } from './restAnswer.js';

/**
 * Operating-time limits as `bitrix24/b24restdocs` limits.md (2026) and the core's LoadLimiter
 * (`avshatalov48/bitrix-core-business`, modules/rest/lib/engine/access/loadlimiter.php) describe them:
 * - the execution time of a method is counted per application (or webhook) and per method, in 10
 *   one-minute baskets; a basket's countdown starts at the first call counted in its minute and lasts 10
 *   minutes, after which its sum leaves the count (`operating_reset_at` = that moment for the oldest
 *   basket, Unix seconds, `(int)` in the core);
 * - before each call the sum is checked: over the budget, the call is refused with 429
 *   OPERATION_TIME_LIMIT "Method is blocked due to operation time limit." and no `time` block
 *   (CRestServer::processCall throws; errors never get appendDebugInfo); the call that takes the sum over
 *   the budget still runs;
 * - when the oldest basket leaves, the later ones still count: a call at `operating_reset_at` may still
 *   be refused;
 * - other methods, other applications and webhooks are not affected; `batch` itself is not counted,
 *   each of its commands is.
 * The simulator charges each call a fixed cost per method (`costMs`). `block` is a test device: it
 * blocks a method for the application outright, and its refusal does announce the end
 * (`time.operating_reset_at`), as a portal that sends one would.
 */

export interface OperatingBudget {
  /** Seconds of execution a method may use in the window (480 on Bitrix24 by the docs; 420 the core's default). */
  budgetSeconds: number;
  /** How long a basket counts from its first call (10 minutes). */
  windowMs: number;
  /** How long one basket collects calls (one minute). */
  basketMs: number;
  /** What one call of a method costs, in ms of execution. */
  costMs: (method: string) => number;
}

export const DEFAULT_OPERATING_BUDGET: OperatingBudget = { budgetSeconds: 480, windowMs: 600_000, basketMs: 60_000, costMs: () => 20 };

/** Whose budget a call spends: the application's (app tokens) or a webhook's. */
export type OperatingEntity = string;
export const APPLICATION: OperatingEntity = 'app';

interface Basket {
  /** The basket's minute (clock ms / basketMs, floored). */
  minute: number;
  /** The first call counted in it: the basket leaves the count windowMs later. */
  firstAt: number;
  ms: number;
}

export class OperatingMeter {
  private readonly baskets = new Map<string, Basket[]>();
  private readonly blocked = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly budget: OperatingBudget = DEFAULT_OPERATING_BUDGET,
  ) {}

  private static key(entity: OperatingEntity, method: string): string {
    return `${entity}\n${method}`;
  }

  /** Blocks a method for the application until `untilMs`, as a portal whose budget for it ran out (a test device, see above). */
  block(method: string, untilMs: number): void {
    this.blocked.set(OperatingMeter.key(APPLICATION, method), untilMs);
  }

  /** Throws the portal's refusal when the method is blocked for this caller now. */
  check(method: string, entity: OperatingEntity = APPLICATION): void {
    const key = OperatingMeter.key(entity, method);
    const now = this.clock.now();
    const until = this.blocked.get(key) ?? 0;
    if (until > now) throw announcedBlock(until);
    this.blocked.delete(key);
    if (this.sumMs(key, now) > this.budget.budgetSeconds * 1000) throw blockedError();
  }

  /** Charges one call; what the answer's `time` says of the method afterwards. */
  record(method: string, entity: OperatingEntity = APPLICATION): { operating: number; operatingResetAt: number } {
    const key = OperatingMeter.key(entity, method);
    const now = this.clock.now();
    const cost = this.budget.costMs(method);
    const live = this.live(key, now);
    if (cost > 0) {
      const minute = Math.floor(now / this.budget.basketMs);
      const current = live.at(-1);
      if (current && current.minute === minute) current.ms += cost;
      else live.push({ minute, firstAt: now, ms: cost });
    }
    // The oldest basket's release; with none counted, this call's start plus the window (LoadLimiter::getResetTime).
    const resetAt = (live[0]?.firstAt ?? now) + this.budget.windowMs;
    return { operating: this.sumMs(key, now) / 1000, operatingResetAt: Math.floor(resetAt / 1000) };
  }

  /** The baskets still counted at `now`, oldest first. */
  private live(key: string, now: number): Basket[] {
    const baskets = (this.baskets.get(key) ?? []).filter((basket) => basket.firstAt + this.budget.windowMs > now);
    this.baskets.set(key, baskets);
    return baskets;
  }

  private sumMs(key: string, now: number): number {
    return this.live(key, now).reduce((sum, basket) => sum + basket.ms, 0);
  }
}

/** The core's refusal (RestException ERROR_OPERATION_TIME_LIMIT, 429): no `time`. */
function blockedError(): RestError {
  return new RestError(429, 'OPERATION_TIME_LIMIT', 'Method is blocked due to operation time limit.');
}

/** `block`'s refusal, which names the end (as the older reading of limits.md had every answer do). */
function announcedBlock(untilMs: number): RestError {
  return new RestError(429, 'OPERATION_TIME_LIMIT', 'Method is blocked due to operation time limit.', { time: { operating_reset_at: Math.ceil(untilMs / 1000) } });
}
