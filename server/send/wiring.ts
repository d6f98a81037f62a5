import type { AppConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { AppDatabase } from '../storage/database.js';
import type { PortalStore } from '../storage/portalStore.js';
import { createOAuthClient } from '../bitrix/oauthClient.js';
import { createPortalGateway, type PortalGateway } from '../bitrix/portalGateway.js';
import { createSendStore, type SendStore } from '../storage/sendStore.js';
import { createSendPipeline, type ResolveAudience, type SendPipeline, type SendPipelineDeps } from './sendPipeline.js';
import { createScheduler, type Scheduler, type SchedulerTimers } from './scheduler.js';

/** What the composition (server/composition.ts) needs to offer sending; tests override the timing parts (sleep, limits, backoff). */
export interface SendOptions
  extends Partial<Pick<SendPipelineDeps, 'sleep' | 'rateLimit' | 'limiter' | 'chunkSize' | 'pushesPerCall' | 'maxAttempts' | 'backoffMs' | 'leaseMs' | 'heartbeatMs' | 'heartbeatTimers' | 'databaseRetryMs'>> {
  /** How long POST /api/sends waits for the send before answering 202. */
  answerWithinMs?: number;
  /** Run recoverInterruptedSends when the app is created (default true). */
  recoverAtStart?: boolean;
  /**
   * The scheduler (started with the app): its tick (default 5 s) and timer functions (tests fire them by
   * hand). false: not started (tests tick the returned scheduler themselves). Stop it with the returned
   * `scheduler.stop()` (composeParts registers that with its Lifecycle).
   */
  scheduler?: false | { tickMs?: number; timers?: SchedulerTimers };
}

/** How a send's audience is resolved (its schema is the API contract's, contract/audience.ts). */
export interface AudienceModule {
  resolve: ResolveAudience;
}

/** The gateway pushes go through (a push is made with `repeatable: false`, so it is never made twice). */
export function createSendGateway(deps: { config: AppConfig; store: PortalStore; logger: Logger; now?: () => number; fetch?: typeof fetch }): PortalGateway | null {
  if (!deps.config.b24) return null;
  const oauth = createOAuthClient({ oauthUrl: deps.config.oauthUrls, clientId: deps.config.b24.clientId, clientSecret: deps.config.b24.clientSecret, fetch: deps.fetch, now: deps.now });
  return createPortalGateway({ store: deps.store, oauth, logger: deps.logger, now: deps.now, fetch: deps.fetch });
}

export function createSending(deps: {
  config: AppConfig;
  database: AppDatabase;
  store: PortalStore;
  logger: Logger;
  audience: AudienceModule;
  /** The gateway pushes go through (composeParts shares its own); undefined: one is built from the config. */
  gateway?: PortalGateway | null;
  /** Where sends are recorded (composeParts passes its instrumented one); undefined: a store over `database`. */
  sendStore?: SendStore;
  now?: () => number;
  fetch?: typeof fetch;
  options?: SendOptions;
}): { sendStore: SendStore; pipeline: SendPipeline | null; scheduler: Scheduler | null } {
  const sendStore = deps.sendStore ?? createSendStore(deps.database, { now: deps.now });
  const gateway = deps.gateway === undefined ? createSendGateway(deps) : deps.gateway;
  if (!gateway) return { sendStore, pipeline: null, scheduler: null };
  const { answerWithinMs: _answer, recoverAtStart, scheduler: schedulerOptions, ...timing } = deps.options ?? {};
  const pipeline = createSendPipeline({ store: sendStore, gateway, resolveAudience: deps.audience.resolve, logger: deps.logger, now: deps.now, ...timing });
  if (recoverAtStart ?? true) {
    pipeline.recoverInterruptedSends().catch((error: unknown) => deps.logger.error({ err: error }, 'recovering interrupted sends failed'));
  }
  const scheduler = createScheduler({
    pipeline,
    logger: deps.logger,
    now: deps.now,
    tickMs: schedulerOptions ? schedulerOptions.tickMs : undefined,
    timers: schedulerOptions ? schedulerOptions.timers : undefined,
  });
  if (schedulerOptions !== false) scheduler.start();
  return { sendStore, pipeline, scheduler };
}
