/**
 * A job run in the background every `everyMs` (the first time after `firstAfterMs`), never twice at once:
 * a tick while a run is still going is skipped. A failed run is handed to `onError` and the next tick tries
 * again. The timers never keep the process alive; `stop()` ends the ticks and waits for a run in progress.
 */
export interface PeriodicJob {
  /** No more runs; resolves when the one in progress (if any) has ended. */
  stop(): Promise<void>;
  /** Whether stop() was called (a long run checks it between its steps). */
  readonly stopped: boolean;
}

export function startPeriodicJob(options: { everyMs: number; firstAfterMs?: number; run: () => Promise<unknown>; onError: (error: unknown) => void }): PeriodicJob {
  let stopped = false;
  let running: Promise<unknown> | null = null;
  let timer: NodeJS.Timeout | undefined;

  function tick(): void {
    if (stopped || running) return;
    running = options
      .run()
      .catch(options.onError)
      .finally(() => {
        running = null;
      });
  }

  function schedule(afterMs: number): void {
    timer = setTimeout(() => {
      tick();
      if (!stopped) schedule(options.everyMs);
    }, afterMs);
    timer.unref();
  }

  schedule(options.firstAfterMs ?? options.everyMs);
  return {
    get stopped() {
      return stopped;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
