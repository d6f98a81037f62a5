import type { AppConfig } from './config.js';
import type { Logger } from './logger.js';
import type { PortalStore } from './storage/portalStore.js';
import type { AppDatabase } from './storage/database.js';
import { createSendStore, type SendStore } from './storage/sendStore.js';
import type { Lifecycle } from './lifecycle.js';
import { createOAuthClient, type OAuthClient } from './bitrix/oauthClient.js';
import { createPortalGateway, type PortalGateway } from './bitrix/portalGateway.js';
import { createPortalRelocation, type PortalRelocation } from './bitrix/portalRelocation.js';
import { createSending, type SendOptions } from './send/wiring.js';
import type { SendPipeline } from './send/sendPipeline.js';
import type { Scheduler } from './send/scheduler.js';
import { sendAudience } from './send/audience.js';
import { createDepartmentTreeCache, type DepartmentTreeCache } from './audience/departmentTreeCache.js';
import { createPortalRateLimiter, type PortalRateLimiter } from './send/rateLimiter.js';
import { createUninstallChecker } from './install/uninstallCheck.js';
import { startUninstallReports, type UninstallReports } from './install/uninstallReports.js';
import { startPurgeSweeper, type PurgeSweeper } from './install/purgeSweeper.js';
import { startRetentionSweeper } from './send/retentionSweeper.js';
import { createOpeningBudget, type OpeningBudget, type OpeningBudgetLimits } from './install/openingBudget.js';
import { createOpeningVerifier, type OpeningVerifier } from './install/verifyOpening.js';
import { createLimitStore, type LimitStore } from './limits/limitStore.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { instrumentGateway } from './metrics/instrumentGateway.js';
import { instrumentOAuth } from './metrics/instrumentOAuth.js';
import { instrumentLimiter } from './metrics/instrumentLimiter.js';
import { instrumentSendStore } from './metrics/instrumentSendStore.js';

/** What the composition is built from: the process's configuration, logger, database and store, and the knobs tests turn. */
export interface CompositionInput {
  config: AppConfig;
  logger: Logger;
  store: PortalStore;
  /** The database behind `store`: sending and history live there. */
  database: AppDatabase;
  /** Outbound HTTP (OAuth server and portals); tests may wrap it to observe or break the network. */
  fetch?: typeof fetch;
  /** Clock (epoch ms); tests drive expiry with it. */
  now?: () => number;
  /** Timing of the send pipeline (tests make it instant). */
  sends?: SendOptions;
  /** Where the parts register what must end cleanly on shutdown (the purge sweeper, the scheduler, sends in flight). */
  lifecycle?: Lifecycle;
  /** How often portals uninstalled with CLEAN are checked for the end of their grace period (default hourly). */
  purgeSweepMs?: number;
  /** How often each process looks for unconfirmed uninstall reports due a check with Bitrix24 (default every minute). */
  uninstallRecheckMs?: number;
  /** Verifications of openings nobody vouched for, per address and overall (DEFAULT_OPENING_BUDGET). */
  openingBudget?: OpeningBudgetLimits;
}

/** The long-lived parts of one process, built once; createApp mounts its routes on them. */
export interface AppParts {
  config: AppConfig;
  logger: Logger;
  store: PortalStore;
  database: AppDatabase;
  /** The clock as given (undefined: Date.now, each part's own default). */
  now?: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Outbound REST options shared by the frame's token checks and the picker's reads. */
  rest: { fetch?: typeof fetch };
  oauth: OAuthClient | null;
  gateway: PortalGateway | null;
  verifier: OpeningVerifier | null;
  /** Where a renamed portal answers now (the OAuth server's token check), for the gateway and the frame's sign-in; null without client credentials. */
  relocation: PortalRelocation | null;
  openingBudget: OpeningBudget;
  /** Where every limit counts (decision 0014): Redis, PostgreSQL or this process. */
  limits: LimitStore;
  /** ONAPPUNINSTALL reports and their checks with Bitrix24 (decision 0015); null without client credentials. */
  uninstallReports: UninstallReports | null;
  purgeSweeper: PurgeSweeper;
  limiter: PortalRateLimiter;
  treeCache: DepartmentTreeCache;
  sendStore: SendStore;
  pipeline: SendPipeline | null;
  scheduler: Scheduler | null;
  /** This app's metrics (GET /metrics); the OAuth client, gateway, limiter and send store above feed them. */
  metrics: Metrics;
  /** How long POST /api/sends waits for the send before answering 202. */
  answerWithinMs?: number;
}

/**
 * Builds the object graph once (runServer, scripts/stack.ts, tests): the OAuth client, the portal gateway,
 * the opening verifier and budget, the uninstall checker, the purge sweeper, the REST limiter, the
 * department tree cache, the send store, pipeline and scheduler. What must end on shutdown is registered
 * with `input.lifecycle`.
 */
export function composeParts(input: CompositionInput): AppParts {
  const { config, logger, store, database } = input;
  // Every part that feeds a metric is wrapped here, once (server/metrics/instrument*.ts).
  const metrics = createMetrics({ database, processMetrics: config.metricsToken !== null });
  const oauth: OAuthClient | null = config.b24
    ? instrumentOAuth(createOAuthClient({ oauthUrl: config.oauthUrls, clientId: config.b24.clientId, clientSecret: config.b24.clientSecret, fetch: input.fetch, now: input.now }), metrics.tokenRefreshes)
    : null;
  const rest = { fetch: input.fetch };
  const now = input.now ?? Date.now;
  const limits = createLimitStore({ config, database, logger, now: input.now });
  const openingBudget = createOpeningBudget({ limits: input.openingBudget, store: limits });
  const verifier = oauth && config.b24 ? createOpeningVerifier({ oauth, clientId: config.b24.clientId, rest, now }) : null;
  const sleep = input.sends?.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  // The gateway keeps no state of its own (tokens and their lock live in the store): the uninstall checks and the pushes share it.
  const relocation = oauth ? createPortalRelocation({ store, oauth, logger, now: input.now, limitStore: limits }) : null;
  const gateway = oauth ? instrumentGateway(createPortalGateway({ store, oauth, logger, now: input.now, fetch: input.fetch, relocation }), metrics.restCalls) : null;
  // One REST pace per portal (across processes: decision 0014) and one department tree cache per process, shared by token checks, uninstall checks, sends and the picker's reads.
  const limiter = instrumentLimiter(input.sends?.limiter ?? createPortalRateLimiter({ limit: input.sends?.rateLimit, sleep, store: limits }), metrics.restLimitWait);
  const purgeSweeper = startPurgeSweeper({ store, logger, now: input.now, everyMs: input.purgeSweepMs });
  input.lifecycle?.onDrain(() => purgeSweeper.stop());

  const treeCache = createDepartmentTreeCache({ now });
  const audience = sendAudience(treeCache);
  const { sendStore, pipeline, scheduler } = createSending({ config, database, store, logger, audience, gateway, sendStore: instrumentSendStore(createSendStore(database, { now: input.now }), metrics), now: input.now, fetch: input.fetch, options: { ...input.sends, limiter } });
  const uninstallReports = gateway
    ? startUninstallReports({
        store,
        sends: sendStore,
        logger,
        checker: createUninstallChecker({ store, gateway, limiter, rest, now, sleep }),
        purgeAfterMs: config.uninstallPurgeAfterMs,
        now,
        everyMs: input.uninstallRecheckMs,
      })
    : null;
  if (uninstallReports) input.lifecycle?.onDrain(() => uninstallReports.stop());
  // Finished sends older than SEND_RETENTION_DAYS are deleted (decision 0013).
  const retentionSweeper = startRetentionSweeper({ sendStore, logger, retentionMs: config.sendRetentionMs, now: input.now });
  input.lifecycle?.onDrain(() => retentionSweeper.stop());
  input.lifecycle?.onDrain(async () => {
    await scheduler?.stop();
    // Claims nothing more; the calls in flight finish and are recorded; their sends are handed over.
    await pipeline?.stop();
    await limits.close();
  });
  return {
    config,
    logger,
    store,
    database,
    now: input.now,
    sleep,
    rest,
    oauth,
    gateway,
    verifier,
    relocation,
    openingBudget,
    limits,
    uninstallReports,
    purgeSweeper,
    limiter,
    treeCache,
    sendStore,
    pipeline,
    scheduler,
    metrics,
    answerWithinMs: input.sends?.answerWithinMs,
  };
}
