import type { Logger } from '../logger.js';
import type { SendStore } from '../storage/sendStore.js';
import { startPeriodicJob } from '../periodicJob.js';

/**
 * Deletes sends (with their chunks) that finished more than the retention ago (`SEND_RETENTION_DAYS`,
 * decision 0013): a first sweep a minute after start (processes restarted more often than hourly still
 * sweep), then hourly. Each sweep deletes in batches, one short transaction each, and at most
 * `maxBatches` of them; a larger backlog is finished by the next sweeps. Every process sweeps; a send
 * deleted by one is simply not found by another.
 */
export interface RetentionSweeper {
  /** One sweep now; resolves with what it deleted. */
  sweep(): Promise<RetentionSweep>;
  /** No more sweeps; waits for the running one, which stops after its current batch. */
  stop(): Promise<void>;
}

export interface RetentionSweep {
  sends: number;
  chunks: number;
  /** The sends finished before this time (epoch ms) were due. */
  cutoff: number;
  /** True when the sweep stopped at `maxBatches` (or at stop()) with more perhaps left. */
  more: boolean;
}

export const DEFAULT_RETENTION_SWEEP_MS = 60 * 60_000;
export const DEFAULT_RETENTION_FIRST_SWEEP_MS = 60_000;
export const DEFAULT_RETENTION_BATCH = 500;
export const DEFAULT_RETENTION_MAX_BATCHES = 100;

export interface RetentionSweeperDeps {
  sendStore: Pick<SendStore, 'deleteFinishedSendsBefore'>;
  logger: Logger;
  /** How long a finished send is kept (config.sendRetentionMs). */
  retentionMs: number;
  now?: () => number;
  /** Between sweeps (default hourly). */
  everyMs?: number;
  /** Before the first sweep (default a minute). */
  firstAfterMs?: number;
  batchSize?: number;
  maxBatches?: number;
}

export function startRetentionSweeper(deps: RetentionSweeperDeps): RetentionSweeper {
  const now = deps.now ?? Date.now;
  const batchSize = deps.batchSize ?? DEFAULT_RETENTION_BATCH;
  const maxBatches = deps.maxBatches ?? DEFAULT_RETENTION_MAX_BATCHES;
  const job = startPeriodicJob({
    everyMs: deps.everyMs ?? DEFAULT_RETENTION_SWEEP_MS,
    firstAfterMs: deps.firstAfterMs ?? DEFAULT_RETENTION_FIRST_SWEEP_MS,
    run: () => sweep(),
    onError: (error) => deps.logger.error({ err: error }, 'deleting sends past their retention failed; retried at the next sweep'),
  });

  async function sweep(): Promise<RetentionSweep> {
    const cutoff = now() - deps.retentionMs;
    const total: RetentionSweep = { sends: 0, chunks: 0, cutoff, more: false };
    for (let batch = 0; ; batch += 1) {
      if (batch >= maxBatches || job.stopped) {
        total.more = true;
        break;
      }
      const deleted = await deps.sendStore.deleteFinishedSendsBefore(cutoff, batchSize);
      total.sends += deleted.sends;
      total.chunks += deleted.chunks;
      if (deleted.sends < batchSize) break;
    }
    if (total.sends > 0) {
      deps.logger.info({ sends: total.sends, chunks: total.chunks, finishedBefore: new Date(cutoff).toISOString(), more: total.more }, 'sends past their retention deleted');
    }
    return total;
  }

  return { sweep, stop: () => job.stop() };
}
