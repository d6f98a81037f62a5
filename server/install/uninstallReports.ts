import type { Logger } from '../logger.js';
import type { PortalStore } from '../storage/portalStore.js';
import { startPeriodicJob } from '../periodicJob.js';
import type { UninstallChecker, UninstallEvidence } from './uninstallCheck.js';
import type { SendStore } from '../storage/sendStore.js';
import { APP_UNINSTALLED } from '../send/sendErrors.js';

/**
 * What the app does with an ONAPPUNINSTALL (decision 0015). The event is kept as a report on the portal
 * and Bitrix24 is asked: gone, and the portal is recorded as uninstalled (its data purged after the grace
 * period when every report asked for CLEAN); installed, and the report is dropped (it was forged);
 * no answer either way, and the report is checked again on a schedule that backs off (RECHECK_SCHEDULE),
 * by whichever process claims it first, until it is too old to act on.
 * Bitrix24 sends an event once and never again, so a real uninstall whose check failed is still
 * honoured later; a forged one never changes anything.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * How long after an inconclusive check the next one comes, by the report's age: often while an outage is
 * likely short, rarely later. A report nobody could confirm for REPORT_LIFETIME_MS is dropped: the data
 * stays (nothing is destroyed on doubt).
 */
export const RECHECK_SCHEDULE: ReadonlyArray<{ whileYoungerThanMs: number; everyMs: number }> = [
  { whileYoungerThanMs: 15 * MINUTE, everyMs: MINUTE },
  { whileYoungerThanMs: 3 * HOUR, everyMs: 10 * MINUTE },
  { whileYoungerThanMs: Infinity, everyMs: HOUR },
];
export const REPORT_LIFETIME_MS = 3 * 24 * HOUR;
/** How often each process looks for reports due a check (a cheap query; the checks themselves follow the schedule). */
export const DEFAULT_RECHECK_EVERY_MS = MINUTE;
/** Reports checked per run (each costs its portal at most a few calls). */
const RECHECKS_PER_RUN = 50;

/** When a report of age `ageMs` is next checked, from `at`. */
export function nextCheckAfter(at: number, ageMs: number): number {
  return at + RECHECK_SCHEDULE.find((step) => ageMs < step.whileYoungerThanMs)!.everyMs;
}

export type UninstallOutcome = 'recorded' | 'refuted' | 'pending';

export interface UninstallReports {
  /** Records the event's report and asks Bitrix24 at once. */
  receive(memberId: string, clean: boolean): Promise<UninstallOutcome>;
  /**
   * The portal answered APPLICATION_NOT_FOUND to a token of the app outside an uninstall event (an
   * uninstall whose event we never heard, say): Bitrix24 is asked with the stored tokens, in the
   * background, and a confirmed removal is recorded keeping the data unless a pending report asked for CLEAN.
   */
  suspect(memberId: string): void;
  /** Checks the pending reports again (the periodic job's run). */
  recheck(): Promise<void>;
  stop(): Promise<void>;
}

export interface UninstallReportDeps {
  store: PortalStore;
  /** A recorded removal cancels the portal's scheduled sends, with the reason. */
  sends: Pick<SendStore, 'cancelScheduledSendsOfPortal'>;
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
      const cancelled = await deps.sends.cancelScheduledSendsOfPortal(memberId, APP_UNINSTALLED);
      logger.info({ memberId, purgeAfter, cancelledScheduledSends: cancelled }, clean ? 'uninstall confirmed by Bitrix24; data deleted after the grace period unless reinstalled' : 'uninstall confirmed by Bitrix24; data kept');
    }
    return 'recorded';
  }

  async function recheck(): Promise<void> {
    for (const report of await store.listUninstallReports(now(), RECHECKS_PER_RUN)) {
      if (job.stopped) return;
      const age = now() - report.reportedAt;
      if (age > REPORT_LIFETIME_MS) {
        await store.clearUninstallReport(report.memberId);
        logger.warn({ memberId: report.memberId, reportedAt: new Date(report.reportedAt).toISOString() }, 'uninstall report never confirmed by Bitrix24; dropped, data kept');
        continue;
      }
      // One process checks a due report, whatever the number of processes: the one that moves its time on.
      if (!(await store.claimUninstallRecheck(report.memberId, report.nextCheckAt, nextCheckAfter(now(), age)))) continue;
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
      await store.reportUninstall(memberId, { clean, at: now(), nextCheckAt: nextCheckAfter(now(), 0) });
      return settle(memberId, await deps.checker.check(memberId));
    },
    suspect(memberId) {
      void deps.checker
        .check(memberId)
        .then((evidence) => settle(memberId, evidence))
        .catch((error: unknown) => logger.error({ err: error, memberId }, 'uninstall check after APPLICATION_NOT_FOUND failed'));
    },
    recheck,
    stop: () => job.stop(),
  };
}
