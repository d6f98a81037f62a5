import { afterEach, expect, it, vi } from 'vitest';
import { startPeriodicJob } from './periodicJob.js';

afterEach(() => {
  vi.useRealTimers();
});

it('runs first after firstAfterMs, then every everyMs, never twice at once; a failure goes to onError and the next tick runs again', async () => {
  vi.useFakeTimers();
  const started: number[] = [];
  const errors: unknown[] = [];
  let release: (() => void) | null = null;
  let fail = true;
  const job = startPeriodicJob({
    everyMs: 100,
    firstAfterMs: 10,
    run: async () => {
      started.push(Date.now());
      if (fail) {
        fail = false;
        throw new Error('first run fails');
      }
      await new Promise<void>((resolve) => (release = resolve));
    },
    onError: (error) => errors.push(error),
  });
  const t0 = Date.now();
  await vi.advanceTimersByTimeAsync(10);
  expect(started.map((at) => at - t0)).toEqual([10]);
  expect(errors).toHaveLength(1);
  await vi.advanceTimersByTimeAsync(100);
  // The second run hangs; the ticks meanwhile are skipped.
  await vi.advanceTimersByTimeAsync(300);
  expect(started.map((at) => at - t0)).toEqual([10, 110]);
  const stopping = job.stop();
  expect(job.stopped).toBe(true);
  let stopped = false;
  void stopping.then(() => (stopped = true));
  await vi.advanceTimersByTimeAsync(0);
  expect(stopped).toBe(false);
  release!();
  await stopping;
  await vi.advanceTimersByTimeAsync(1_000);
  expect(started).toHaveLength(2);
});
