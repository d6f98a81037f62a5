/**
 * The interval timers of the send machinery (the scheduler's tick, the pipeline's lease heartbeat):
 * Node's by default; tests pass their own and fire them by hand.
 */

/** What `setInterval` returns, as far as we use it. */
export interface TimerHandle {
  unref(): unknown;
}

export interface IntervalTimers {
  setInterval(callback: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
}

export const NODE_TIMERS: IntervalTimers = {
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};
