/**
 * Test support: how a list of call times (epoch ms) stands against a leaky bucket of `burst` draining
 * `perSecond` (Bitrix24's request limit): the calls fit when no span [s, t] holds more than
 * burst + perSecond × (t − s) of them.
 */

/** The most calls in any span beyond burst + perSecond × span (≤ 0: they fit), and where. */
export function worstExcess(times: readonly number[], limit: { burst: number; perSecond: number }): { excess: number; calls: number; spanMs: number } {
  const sorted = [...times].sort((a, b) => a - b);
  let worst = { excess: -Infinity, calls: 0, spanMs: 0 };
  for (let first = 0; first < sorted.length; first += 1) {
    for (let last = first; last < sorted.length; last += 1) {
      const spanMs = sorted[last]! - sorted[first]!;
      const calls = last - first + 1;
      const excess = calls - limit.burst - (limit.perSecond * spanMs) / 1000;
      if (excess > worst.excess) worst = { excess, calls, spanMs };
    }
  }
  return worst;
}
