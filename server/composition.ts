import type { AppConfig } from './config.js';
import type { Logger } from './logger.js';
import type { PortalStore } from './storage/portalStore.js';
import type { AppDatabase } from './storage/database.js';
import type { SendStore } from './storage/sendStore.js';
import type { Lifecycle } from './lifecycle.js';
import { createOAuthClient, type OAuthClient } from './bitrix/oauthClient.js';
import { createPortalGateway, type PortalGateway } from './bitrix/portalGateway.js';
import { createSending, type SendOptions } from './send/wiring.js';
import type { SendPipeline } from './send/sendPipeline.js';
import type { Scheduler } from './send/scheduler.js';
import { sendAudience } from './send/audience.js';
import { createDepartmentTreeCache, type DepartmentTreeCache } from './audience/departmentTreeCache.js';
import { createPortalRateLimiter, type PortalRateLimiter } from './send/rateLimiter.js';
import { createUninstallChecker, type UninstallChecker } from './install/uninstallCheck.js';
import { startPurgeSweeper, type PurgeSweeper } from './install/purgeSweeper.js';
import { createOpeningBudget, type OpeningBudget, type OpeningBudgetLimits } from './install/openingBudget.js';
import { createOpeningVerifier, type OpeningVerifier } from './install/verifyOpening.js';

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
  openingBudget: OpeningBudget;
  uninstallChecker: UninstallChecker | null;
  purgeSweeper: PurgeSweeper;
  limiter: PortalRateLimiter;
  treeCache: DepartmentTreeCache;
  sendStore: SendStore;
  pipeline: SendPipeline | null;
  scheduler: Scheduler | null;
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
  const oauth: OAuthClient | null = config.b24
    ? createOAuthClient({ oauthUrl: config.oauthUrl, clientId: config.b24.clientId, clientSecret: config.b24.clientSecret, fetch: input.fetch, now: input.now })
    : null;
  const rest = { fetch: input.fetch };
  const now = input.now ?? Date.now;
  const openingBudget = createOpeningBudget({ limits: input.openingBudget, now });
  const verifier = oauth && config.b24 ? createOpeningVerifier({ oauth, clientId: config.b24.clientId, oauthUrl: config.oauthUrl, rest, now }) : null;
  const sleep = input.sends?.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  // The gateway keeps no state of its own (tokens and their lock live in the store): the uninstall checks and the pushes share it.
  const gateway = oauth ? createPortalGateway({ store, oauth, logger, now: input.now, fetch: input.fetch }) : null;
  const uninstallChecker = gateway ? createUninstallChecker({ store, gateway, now, sleep }) : null;
  const purgeSweeper = startPurgeSweeper({ store, logger, now: input.now, everyMs: input.purgeSweepMs });
  input.lifecycle?.onDrain(() => purgeSweeper.stop());

  // One REST limiter and one department tree cache per process, shared by token checks, sends and the picker's reads.
  const limiter = input.sends?.limiter ?? createPortalRateLimiter({ limit: input.sends?.rateLimit, now, sleep });
  const treeCache = createDepartmentTreeCache({ now });
  const audience = sendAudience(treeCache);
  const { sendStore, pipeline, scheduler } = createSending({ config, database, store, logger, audience, gateway, now: input.now, fetch: input.fetch, options: { ...input.sends, limiter } });
  input.lifecycle?.onDrain(async () => {
    await scheduler?.stop();
    // Claims nothing more; the calls in flight finish and are recorded; their sends are handed over.
    await pipeline?.stop();
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
    openingBudget,
    uninstallChecker,
    purgeSweeper,
    limiter,
    treeCache,
    sendStore,
    pipeline,
    scheduler,
    answerWithinMs: input.sends?.answerWithinMs,
  };
}
