import { createRequire } from 'node:module';
import { RateLimiterRes, type RateLimiterStoreAbstract as StoreAbstract } from 'rate-limiter-flexible';

/**
 * rate-limiter-flexible's fixed-window counter kept in this process's memory, on a clock we pass in.
 * The library's own RateLimiterMemory reads `Date.now()`; tests and the in-process stack drive time with
 * the simulator's clock, so this store plugs into the library's store base class (the way its PostgreSQL
 * and Redis stores do): consuming, rejecting and rewarding stay the library's code, only the record is ours.
 */

// The base class is typed in the package's declarations but not exported by its entry point.
const require = createRequire(import.meta.url);
const RateLimiterStoreAbstract = require('rate-limiter-flexible/lib/RateLimiterStoreAbstract.js') as typeof StoreAbstract;

interface Slot {
  points: number;
  /** Epoch ms on the given clock. */
  expiresAt: number;
}

/** Windows kept before expired ones are swept, and the most kept at all (the oldest go first). */
const SWEEP_ABOVE = 10_000;
const MAX_SLOTS = 50_000;

export class RateLimiterClockedMemory extends RateLimiterStoreAbstract {
  private readonly slots = new Map<string, Slot>();
  private readonly now: () => number;

  constructor(options: { keyPrefix: string; points: number; duration: number }, now: () => number) {
    super({ ...options, storeClient: 'process memory' });
    this.now = now;
  }

  /** The store contract of RateLimiterStoreAbstract: add `points` in the key's current window (a new one when it ended). */
  _upsert(rlKey: string, points: number, msDuration: number, forceExpire = false): Promise<Slot> {
    const now = this.now();
    const current = this.slots.get(rlKey);
    let slot: Slot;
    if (current && current.expiresAt > now && !forceExpire) {
      current.points += points;
      slot = current;
    } else {
      slot = { points, expiresAt: now + msDuration };
      this.slots.delete(rlKey);
      this.slots.set(rlKey, slot);
      this.sweep(now);
    }
    return Promise.resolve({ ...slot });
  }

  _get(rlKey: string): Promise<Slot | null> {
    const slot = this.slots.get(rlKey);
    return Promise.resolve(slot && slot.expiresAt > this.now() ? { ...slot } : null);
  }

  _delete(rlKey: string): Promise<boolean> {
    return Promise.resolve(this.slots.delete(rlKey));
  }

  _getRateLimiterRes(_rlKey: string, changedPoints: number, slot: Slot): RateLimiterRes {
    const consumed = slot.points;
    return new RateLimiterRes(Math.max(this.points - consumed, 0), Math.max(slot.expiresAt - this.now(), 0), consumed, consumed === changedPoints);
  }

  private sweep(now: number): void {
    if (this.slots.size <= SWEEP_ABOVE) return;
    for (const [key, slot] of this.slots) if (slot.expiresAt <= now) this.slots.delete(key);
    for (const key of this.slots.keys()) {
      if (this.slots.size <= MAX_SLOTS) break;
      this.slots.delete(key);
    }
  }
}
