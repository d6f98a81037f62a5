import type { Clock } from './contract.js';

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to: drives token expiry and the rate limit in tests. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: number = Date.now()) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    this.current += ms;
  }

  set(ms: number): void {
    this.current = ms;
  }
}

export function isManualClock(clock: Clock): clock is ManualClock {
  return clock instanceof ManualClock;
}
