import type { LimitStore, Take, WindowSpec } from './limitStore.js';

/**
 * A limit given as a burst and a rate (the way Bitrix24 states its own: 50, then 2 a second), kept as two
 * fixed windows of rate-limiter-flexible (decision 0014): a short `steady` window that lets the rate
 * through, and a longer `reserve` window that holds the rest of the burst and is tried when the steady
 * one is spent. A take succeeds when either has a point; when both are spent, the answer is the sooner
 * of their ends.
 */

export interface BurstLimit {
  burst: number;
  perSecond: number;
}

export interface AllowanceWindows {
  steady: WindowSpec;
  reserve?: WindowSpec;
}

export interface Allowance {
  take(key: string): Promise<Take>;
}

export function createAllowance(store: LimitStore, name: string, windows: AllowanceWindows): Allowance {
  const steady = store.counter(`${name}:steady`, windows.steady);
  const reserve = windows.reserve && store.counter(`${name}:reserve`, windows.reserve);
  return {
    async take(key) {
      const fromSteady = await steady.take(key);
      if (fromSteady.taken || !reserve) return fromSteady;
      const fromReserve = await reserve.take(key);
      if (fromReserve.taken) return fromReserve;
      return { taken: false, retryInMs: Math.min(fromSteady.retryInMs, fromReserve.retryInMs) };
    },
  };
}

/** Whole seconds of a window giving about `perSecond`, and its points (at least one point, at least one second). */
function windowAt(perSecond: number, atLeastPoints = 1): WindowSpec {
  const seconds = Math.max(1, Math.ceil(atLeastPoints / perSecond));
  return { points: Math.max(1, Math.floor(perSecond * seconds)), seconds };
}

function check(limit: BurstLimit): void {
  if (!(limit.burst >= 1) || !(limit.perSecond > 0)) throw new RangeError('a limit needs burst >= 1 and perSecond > 0');
}

/**
 * For limits that refuse (the API's, the verification budgets): the whole burst at once, then the rate;
 * Retry-After stays short because the steady window is. The price of fixed windows: at a window's edge
 * both windows can be spent twice in a moment, so over any span T at most 2 × (burst + perSecond × T)
 * are let through, against burst + perSecond × T for a token bucket.
 */
export function refusingWindows(limit: BurstLimit): AllowanceWindows {
  check(limit);
  const steady = windowAt(limit.perSecond);
  const rest = Math.floor(limit.burst) - steady.points;
  if (rest < 1) return { steady };
  return { steady, reserve: { points: rest, seconds: Math.max(1, Math.ceil(rest / limit.perSecond)) } };
}

/**
 * For the pacing of our REST calls, which must stay inside the portal's leaky bucket (burst B, draining
 * r a second): over any span T the two windows let through at most
 *   steady  p·(T/s + 2)  +  reserve  q·(T/d + 2)  =  r·T + 2·(p + q)
 * when each window's rate is half of r. So p + q, what goes at once, is kept to (B − 2) / 2: 24 of
 * Bitrix24's 50, and the sum stays at r·T + B − 2, two calls below the bucket's edge for the calls'
 * own jitter on the way.
 */
export function pacingWindows(limit: BurstLimit): AllowanceWindows {
  check(limit);
  const steady = windowAt(limit.perSecond / 2);
  const atOnce = Math.floor((limit.burst - 2) / 2);
  const rest = atOnce - steady.points;
  if (rest < 1) return { steady };
  const reserveRate = limit.perSecond - steady.points / steady.seconds;
  return { steady, reserve: { points: rest, seconds: Math.max(1, Math.ceil(rest / reserveRate)) } };
}

/** Seconds for Retry-After: whole, at least one. */
export function retryAfterSeconds(retryInMs: number): number {
  return Math.max(1, Math.ceil(retryInMs / 1000));
}
