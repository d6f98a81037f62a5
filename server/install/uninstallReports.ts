import type { Logger } from '../logger.js';
import type { PortalStore } from '../storage/portalStore.js';
import { startPeriodicJob } from '../periodicJob.js';
import type { UninstallChecker, UninstallEvidence } from './uninstallCheck.js';

/**
 * What the app does with an ONAPPUNINSTALL (decision 0015). The event is kept as a report on the portal
 * and Bitrix24 is asked: gone, and the portal is recorded as uninstalled (its data purged after the grace
 * period when every report asked for CLEAN); installed, and the report is dropped (it was forged);
 * no answer either way, and the report waits for the next recheck, until it is too old to act on.
 * Bitrix24 sends an event once and never again, so a real uninstall whose check failed is still
 * honoured later; a forged one never changes anything.
 */

/** How often pending reports are checked again. */
export const DEFAULT_RECHECK_EVERY_MS = 10 * 60_000;
/** A report nobody could confirm for this long is dropped: the data stays (nothing is destroyed on doubt). */
export const REPORT_LIFETIME_MS = 3 * 24 * 60 * 60_000;
/** Reports checked per recheck run (each costs its portal at most a few calls). */
const RECHECKS_PER_RUN = 50;

export type UninstallOutcome = 'recorded' | 'refuted' | 'pending';

export interface UninstallReports {
  /** Records the event's report and asks Bitrix24 at once. */
  receive(memberId: string, clean: boolean): Promise<UninstallOutcome>;
  /** Checks the pending reports again (the periodic job's run). */
  recheck(): Promise<void>;
  stop(): Promise<void>;
}

export interface UninstallReportDeps {
  store: PortalStore;
  checker: UninstallChecker;
  logger: Logger;
  /** UNINSTALL_PURGE_DAYS in ms: how long a CLEAN uninstall keeps the data. */
  purgeAfterMs: number;
  now?: () => number;
  everyMs?: number;
}

export function startUninstallReports(deps: UninstallReportDeps): UninstallReports {
  const { store, logger } = deps;
  const now = deps.now ?? Date.now;

  async function settle(memberId: string, evidence: UninstallEvidence): Promise<UninstallOutcome> {
    if (evidence === 'installed') {
      if (await store.clearUninstallReport(memberId)) logger.warn({ memberId }, 'uninstall report refuted: Bitrix24 answers the app, so it is installed; nothing changed');
      return 'refuted';
    }
    if (evidence === 'unknown') return 'pending';
    const report = (await store.getPortal(memberId))?.uninstallReport;
    const clean = report?.clean === true;
    const purgeAfter = clean ? now() + deps.purgeAfterMs : null;
    if (await store.markUninstalled(memberId, { purgeAfter })) {
      logger.info({ memberId, purgeAfter }, clean ? 'uninstall confirmed by Bitrix24; data deleted after the grace period unless reinstalled' : 'uninstall confirmed by Bitrix24; data kept');
    }
    return 'recorded';
  }

  async function recheck(): Promise<void> {
    for (const report of await store.listUninstallReports(RECHECKS_PER_RUN)) {
      if (job.stopped) return;
      if (now() - report.reportedAt > REPORT_LIFETIME_MS) {
        await store.clearUninstallReport(report.memberId);
        logger.warn({ memberId: report.memberId, reportedAt: new Date(report.reportedAt).toISOString() }, 'uninstall report never confirmed by Bitrix24; dropped, data kept');
        continue;
      }
      await settle(report.memberId, await deps.checker.check(report.memberId));
    }
  }

  const job = startPeriodicJob({
    everyMs: deps.everyMs ?? DEFAULT_RECHECK_EVERY_MS,
    run: recheck,
    onError: (error) => logger.error({ err: error }, 'recheck of uninstall reports failed; retried at the next run'),
  });

  return {
    async receive(memberId, clean) {
      await store.reportUninstall(memberId, { clean, at: now() });
      return settle(memberId, await deps.checker.check(memberId));
    },
    recheck,
    stop: () => job.stop(),
  };
}
