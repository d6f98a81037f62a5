import type { Logger } from '../logger.js';
import type { SendPipeline } from './sendPipeline.js';

/**
 * Wakes the send pipeline now and then: starts scheduled sends whose time has come, and takes over
 * sends a crashed process left (once their lease ran out). Every process runs one; the database decides
 * which process gets each send (conditional updates), so running several is safe. Ticks never overlap.
 */

export const DEFAULT_TICK_MS = 5_000;

export interface Scheduler {
  start(): void;
  /** Stops ticking and waits for a tick in progress (not for the sends it started: see pipeline.idle). */
  stop(): Promise<void>;
  /** One tick now (tests drive time with it). */
  tick(): Promise<void>;
}

export interface SchedulerDeps {
  pipeline: Pick<SendPipeline, 'runDueScheduledSends' | 'recoverInterruptedSends'>;
  logger: Logger;
  now?: () => number;
  tickMs?: number;
  /** How often to look for interrupted sends (default: every lease period). */
  recoverEveryMs: number;
}

export function createScheduler(deps: SchedulerDeps): Scheduler {
  const now = deps.now ?? Date.now;
  const tickMs = deps.tickMs ?? DEFAULT_TICK_MS;
  let timer: NodeJS.Timeout | null = null;
  let current: Promise<void> | null = null;
  let lastRecovery = now();

  async function work(): Promise<void> {
    try {
      await deps.pipeline.runDueScheduledSends();
      if (now() - lastRecovery >= deps.recoverEveryMs) {
        lastRecovery = now();
        // Recovery waits for the runs it resumes; the tick does not.
        deps.pipeline.recoverInterruptedSends().catch((error: unknown) => deps.logger.error({ err: error }, 'recovering interrupted sends failed'));
      }
    } catch (error) {
      deps.logger.error({ err: error }, 'scheduler tick failed');
    }
  }

  function tick(): Promise<void> {
    current ??= work().finally(() => {
      current = null;
    });
    return current;
  }

  return {
    start() {
      if (timer) return;
      timer = setInterval(() => void tick(), tickMs);
      // The timer alone must not keep a process (or a test run) alive.
      timer.unref();
      void tick();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await current;
    },
    tick,
  };
}
