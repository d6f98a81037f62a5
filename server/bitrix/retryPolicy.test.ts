import { describe, expect, it } from 'vitest';
import { DEFAULT_PAUSE_MS, MAX_PAUSE_MS, MIN_PAUSE_MS, pauseEnd } from './retryPolicy.js';

/** How long a send pauses for OPERATION_TIME_LIMIT: what Bitrix24 said, within what its 10-minute window allows (issue 18). */
describe('pause for a blocked method', () => {
  const now = Date.UTC(2026, 11, 1, 9);

  it('ends when Bitrix24 said, within the window', () => {
    expect(pauseEnd(now + 7 * 60_000, now)).toBe(now + 7 * 60_000);
  });

  it('a reset in the year 33658 (operating_reset_at 1e12 s) pauses at most 11 minutes', () => {
    expect(pauseEnd(1e12 * 1000, now)).toBe(now + MAX_PAUSE_MS);
    expect(MAX_PAUSE_MS).toBe(11 * 60_000);
    expect(pauseEnd(Number.POSITIVE_INFINITY, now)).toBe(now + DEFAULT_PAUSE_MS);
  });

  it('without a reset time: the default pause; a reset already past: a second, never a spin', () => {
    expect(pauseEnd(null, now)).toBe(now + DEFAULT_PAUSE_MS);
    expect(pauseEnd(Number.NaN, now)).toBe(now + DEFAULT_PAUSE_MS);
    expect(pauseEnd(now - 60_000, now)).toBe(now + MIN_PAUSE_MS);
    expect(pauseEnd(1, now)).toBe(now + MIN_PAUSE_MS);
  });

  it('a block without a reset time: until the last successful answer\'s operating_reset_at if it is still ahead, else the default (limits.md 2026)', () => {
    expect(pauseEnd(null, now, now + 4 * 60_000)).toBe(now + 4 * 60_000);
    expect(pauseEnd(null, now, now + 9 * 60_000)).toBe(now + 9 * 60_000);
    // Already past (a retry at that moment was refused again): the next release is unknown.
    expect(pauseEnd(null, now, now)).toBe(now + DEFAULT_PAUSE_MS);
    expect(pauseEnd(null, now, now - 60_000)).toBe(now + DEFAULT_PAUSE_MS);
    expect(pauseEnd(null, now, Number.NaN)).toBe(now + DEFAULT_PAUSE_MS);
    // Never beyond the window, and the block's own word (a portal that sends one) comes first.
    expect(pauseEnd(null, now, now + 60 * 60_000)).toBe(now + MAX_PAUSE_MS);
    expect(pauseEnd(now + 2 * 60_000, now, now + 8 * 60_000)).toBe(now + 2 * 60_000);
  });
});
