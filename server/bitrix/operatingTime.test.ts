import { describe, expect, it } from 'vitest';
import { OperatingTimes, operatingTimeOf, resetAtOf } from './operatingTime.js';

/** What the app keeps of each method's operating time: the last successful answer's operating_reset_at, per portal and method. */
describe('operating time of an answer', () => {
  it('reads operating_reset_at as Unix seconds, a numeric string or an ISO date; anything else is unknown', () => {
    expect(resetAtOf(1_778_747_792)).toBe(1_778_747_792_000);
    expect(resetAtOf('1778747792')).toBe(1_778_747_792_000);
    expect(resetAtOf('2024-08-26T16:11:37+03:00')).toBe(Date.UTC(2024, 7, 26, 13, 11, 37));
    for (const value of [undefined, null, '', 'soon', 0, -5, Number.NaN, {}, []]) expect(resetAtOf(value)).toBeNull();
    expect(operatingTimeOf({ start: 1, operating_reset_at: 1_778_747_792, operating: 3.3 })).toEqual({ resetAt: 1_778_747_792_000, operating: 3.3 });
    expect(operatingTimeOf({ start: 1, duration: 0.2 })).toBeUndefined();
    expect(operatingTimeOf('x')).toBeUndefined();
  });
});

describe('OperatingTimes', () => {
  const time = (seconds: number) => ({ resetAt: seconds * 1000, operating: 0 });

  it('keeps the last successful answer per portal and method (method names case-insensitively)', () => {
    const times = new OperatingTimes();
    times.remember('a', 'pull.application.push.add', time(100));
    times.remember('a', 'Pull.Application.Push.Add', time(200));
    times.remember('b', 'pull.application.push.add', time(300));
    times.remember('a', 'pull.application.push.add', undefined);
    times.remember('a', 'pull.application.push.add', { resetAt: null, operating: 5 });
    expect(times.lastResetAt('a', 'pull.application.push.add')).toBe(200_000);
    expect(times.lastResetAt('b', 'pull.application.push.add')).toBe(300_000);
    expect(times.lastResetAt('a', 'user.get')).toBeNull();
  });

  it('takes a batch answer command by command, each under its own method; failed commands say nothing', () => {
    const times = new OperatingTimes();
    times.rememberAnswer('a', 'batch', { halt: 0, cmd: { c0: 'user.get?start=0', c1: 'pull.application.push.add?USER_ID[0]=1&TEXT=x', c2: 'pull.application.push.add?TEXT=' } }, {
      result: {
        result: { c0: [], c1: true },
        result_error: { c2: { error: 'TEXT_ERROR' } },
        result_time: { c0: { operating_reset_at: 500, operating: 1 }, c1: { operating_reset_at: 600, operating: 2 } },
      },
      time: { resetAt: 999_000, operating: 0 },
    });
    expect(times.lastResetAt('a', 'user.get')).toBe(500_000);
    expect(times.lastResetAt('a', 'pull.application.push.add')).toBe(600_000);
    expect(times.lastResetAt('a', 'batch')).toBeNull();
    times.rememberAnswer('a', 'profile', {}, { result: {}, time: time(700) });
    expect(times.lastResetAt('a', 'profile')).toBe(700_000);
  });

  it('is bounded: the least recently answered pair goes first', () => {
    const times = new OperatingTimes(2);
    times.remember('a', 'm1', time(1));
    times.remember('a', 'm2', time(2));
    times.remember('a', 'm1', time(3));
    times.remember('a', 'm3', time(4));
    expect(times.size).toBe(2);
    expect([times.lastResetAt('a', 'm1'), times.lastResetAt('a', 'm2'), times.lastResetAt('a', 'm3')]).toEqual([3_000, null, 4_000]);
  });
});
