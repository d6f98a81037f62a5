import type { Logger } from '../logger.js';
import type { PortalStore } from '../storage/portalStore.js';
import { startPeriodicJob } from '../periodicJob.js';

/** Deletes the data of portals uninstalled with CLEAN once their grace period is over. */
export interface PurgeSweeper {
  /** One sweep now; resolves with the member ids deleted. */
  sweep(): Promise<string[]>;
  stop(): Promise<void>;
}

export const DEFAULT_PURGE_SWEEP_MS = 60 * 60_000;

export function startPurgeSweeper(deps: { store: PortalStore; logger: Logger; now?: () => number; everyMs?: number }): PurgeSweeper {
  const now = deps.now ?? Date.now;

  async function sweep(): Promise<string[]> {
    const purged = await deps.store.purgeUninstalled(now());
    for (const memberId of purged) deps.logger.info({ memberId }, 'uninstalled portal purged: its grace period is over');
    return purged;
  }

  const job = startPeriodicJob({
    everyMs: deps.everyMs ?? DEFAULT_PURGE_SWEEP_MS,
    run: sweep,
    onError: (error) => deps.logger.error({ err: error }, 'purge of uninstalled portals failed; retried at the next sweep'),
  });
  return { sweep, stop: () => job.stop() };
}
