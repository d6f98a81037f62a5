import type { Logger } from '../logger.js';
import type { SendPipeline } from './sendPipeline.js';
import { NODE_TIMERS, type IntervalTimers, type TimerHandle } from './timers.js';

/**
 * Wakes the send pipeline now and then: starts scheduled sends whose time has come, and takes over
 * sends a crashed process left (once their lease ran out) or a stopping process gave up. Every process
 * runs one; the database decides which process gets each send (conditional updates), so running several
 * is safe. Ticks never overlap. `start()` ticks at once, so a send that fell due while the app was down
 * goes right after a restart. Recovery looks every tick: with the pipeline's 15 s lease, a crashed
 * process's send is taken over within 20 s (decision 0005).
 */

export const DEFAULT_TICK_MS = 5_000;

export { NODE_TIMERS, type TimerHandle };
/** The timer functions the scheduler uses (Node's by default; tests pass their own and fire them by hand). */
export type SchedulerTimers = IntervalTimers;

export interface Scheduler {
  start(): void;
  /** Stops ticking and waits for a tick in progress (not for the sends it started: see pipeline.idle). */
  stop(): Promise<void>;
  /**
   * One tick now, or the one in progress (tests drive time with it). Resolves with how many scheduled
   * sends it started (0 when the tick failed; the failure is logged).
   */
  tick(): Promise<number>;
}

export interface SchedulerDeps {
  pipeline: Pick<SendPipeline, 'runDueScheduledSends' | 'recoverInterruptedSends'>;
  logger: Logger;
  now?: () => number;
  tickMs?: number;
  /** How often to look for interrupted sends (default: every tick). */
  recoverEveryMs?: number;
  timers?: SchedulerTimers;
}

export function createScheduler(deps: SchedulerDeps): Scheduler {
  const now = deps.now ?? Date.now;
  const tickMs = deps.tickMs ?? DEFAULT_TICK_MS;
  const timers = deps.timers ?? NODE_TIMERS;
  let timer: TimerHandle | null = null;
  let current: Promise<number> | null = null;
  const recoverEveryMs = deps.recoverEveryMs ?? 0;
  let lastRecovery = Number.NEGATIVE_INFINITY;

  async function work(): Promise<number> {
    let started = 0;
    try {
      started = await deps.pipeline.runDueScheduledSends();
    } catch (error) {
      deps.logger.error({ err: error }, 'starting scheduled sends failed');
    }
    if (now() - lastRecovery >= recoverEveryMs) {
      lastRecovery = now();
      // Recovery waits for the runs it resumes; the tick does not.
      deps.pipeline.recoverInterruptedSends({ whileRunning: true }).catch((error: unknown) => deps.logger.error({ err: error }, 'recovering interrupted sends failed'));
    }
    return started;
  }

  function tick(): Promise<number> {
    current ??= work().finally(() => {
      current = null;
    });
    return current;
  }

  return {
    start() {
      if (timer) return;
      timer = timers.setInterval(() => void tick(), tickMs);
      // The timer alone must not keep a process (or a test run) alive.
      timer.unref();
      void tick();
    },
    async stop() {
      if (timer) timers.clearInterval(timer);
      timer = null;
      await current;
    },
    tick,
  };
}
