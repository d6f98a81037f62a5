import { describe, expect, it } from 'vitest';
import { worstExcess } from '../../test/support/callWindows.js';
import { createPortalRateLimiter, DEFAULT_RATE_LIMIT } from './rateLimiter.js';

/** The REST pace per portal, on a clock the test moves (the limiter's sleeps move it). */
describe('portal REST pacing', () => {
  function pacedOn(limit = DEFAULT_RATE_LIMIT) {
    let clock = Date.UTC(2026, 10, 24);
    const limiter = createPortalRateLimiter({
      limit,
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
    });
    const calls = new Map<string, number[]>();
    const call = async (memberId: string) => {
      await limiter.acquire(memberId);
      calls.set(memberId, [...(calls.get(memberId) ?? []), clock]);
    };
    return { call, calls, start: clock };
  }

  it('300 calls to one portal all go (none dropped), and never more than Bitrix24’s bucket lets through', async () => {
    const { call, calls, start } = pacedOn();
    for (let i = 0; i < 300; i += 1) await call('a');
    const times = calls.get('a')!;
    expect(times).toHaveLength(300);
    expect(worstExcess(times, { burst: 50, perSecond: 2 }).excess).toBeLessThanOrEqual(0);
    // Some go at once, and the rest keep up with the drain rate on average.
    expect(times.filter((at) => at === start).length).toBeGreaterThanOrEqual(20);
    expect(times.at(-1)! - start).toBeLessThanOrEqual(((300 - 20) / 2) * 1000);
  });

  it('Enterprise’s bucket (250, then 5 a second) is kept as well', async () => {
    const limit = { burst: 250, drainPerSecond: 5 };
    const { call, calls } = pacedOn(limit);
    for (let i = 0; i < 1_000; i += 1) await call('a');
    expect(worstExcess(calls.get('a')!, { burst: 250, perSecond: 5 }).excess).toBeLessThanOrEqual(0);
  });

  it('each portal has its own pace: a busy portal does not hold up another', async () => {
    const { call, calls, start } = pacedOn();
    await Promise.all(Array.from({ length: 60 }, () => call('busy')));
    await call('quiet');
    expect(calls.get('busy')).toHaveLength(60);
    expect(calls.get('quiet')).toEqual([expect.any(Number)]);
    expect(Math.min(...calls.get('busy')!)).toBe(start);
    expect(worstExcess(calls.get('busy')!, { burst: 50, perSecond: 2 }).excess).toBeLessThanOrEqual(0);
  });
});
