import { expect, it } from 'vitest';
import type { PortalRateLimiter } from '../send/rateLimiter.js';
import { createMetrics } from './metrics.js';
import { instrumentLimiter } from './instrumentLimiter.js';

it('observes how long each acquire waited, on the clock it is given', async () => {
  let clock = 1_000;
  const waits: Record<string, number> = { busy: 1_500, idle: 0 };
  // A limiter whose acquire takes as long as the portal's pace says (the clock moves while it waits).
  const limiter: PortalRateLimiter = {
    async acquire(memberId) {
      clock += waits[memberId]!;
    },
  };
  const metrics = createMetrics();
  const timed = instrumentLimiter(limiter, metrics.restLimitWait, () => clock);

  await timed.acquire('busy');
  await timed.acquire('idle');

  const values = (await metrics.restLimitWait.get()).values;
  const sample = (name: string, le?: number) => values.find((value) => value.metricName === name && (le === undefined || value.labels.le === le))?.value;
  expect(sample('teampush_rest_limit_wait_seconds_count')).toBe(2);
  expect(sample('teampush_rest_limit_wait_seconds_sum')).toBe(1.5);
  expect(sample('teampush_rest_limit_wait_seconds_bucket', 1)).toBe(1);
  expect(sample('teampush_rest_limit_wait_seconds_bucket', 2)).toBe(2);
});
