import express, { type ErrorRequestHandler, type Express } from 'express';
import { sql } from 'kysely';
import type { AppConfig } from './config.js';
import type { Logger } from './logger.js';
import type { ClientPages } from './http/clientPages.js';
import type { PortalStore } from './storage/portalStore.js';
import { createOAuthClient, type OAuthClient } from './bitrix/oauthClient.js';
import { requestLogging } from './http/requestLogging.js';
import { securityHeaders } from './http/securityHeaders.js';
import { openingRoutes } from './install/openingRoutes.js';
import { eventRoutes } from './install/eventRoutes.js';
import { frameAuth } from './api/frameAuth.js';
import { statusRoute } from './api/statusRoute.js';
import { apiRateLimit, type ApiRateLimits } from './api/apiRateLimit.js';
import { sendRoutes } from './api/sendRoutes.js';
import { openApiRoute } from './api/openapi.js';
import type { ErrorAnswer } from '../contract/errors.js';
import type { AppDatabase } from './storage/database.js';
import { createSending, type SendOptions } from './send/wiring.js';
import { SEND_BODY_LIMIT } from './send/messageSchema.js';
import { sendAudience } from './send/audience.js';
import { audienceRoutes } from './api/audienceRoutes.js';
import { createDepartmentTreeCache } from './audience/departmentTreeCache.js';
import { createPortalRateLimiter } from './send/rateLimiter.js';
import type { Lifecycle } from './lifecycle.js';
import { createPortalGateway } from './bitrix/portalGateway.js';
import { createUninstallChecker } from './install/uninstallCheck.js';
import { startPurgeSweeper } from './install/purgeSweeper.js';
import { createOpeningBudget, type OpeningBudgetLimits } from './install/openingBudget.js';
import { createOpeningVerifier } from './install/verifyOpening.js';

export interface AppDependencies {
  config: AppConfig;
  logger: Logger;
  pages: ClientPages;
  store: PortalStore;
  /** Outbound HTTP (OAuth server and portals); tests may wrap it to observe or break the network. */
  fetch?: typeof fetch;
  /** Clock (epoch ms); tests drive expiry with it. */
  now?: () => number;
  /** The database behind `store`: sending and history live there. */
  database: AppDatabase;
  /** Timing of the send pipeline (tests make it instant). */
  sends?: SendOptions;
  /** Per-user and per-portal limits on /api/ (default DEFAULT_API_RATE_LIMITS). */
  apiRateLimits?: ApiRateLimits;
  /** Where the app registers what must end cleanly on shutdown (the scheduler, sends in flight). */
  lifecycle?: Lifecycle;
  /** How often portals uninstalled with CLEAN are checked for the end of their grace period (default hourly). */
  purgeSweepMs?: number;
  /** Verifications of openings nobody vouched for, per address and overall (DEFAULT_OPENING_BUDGET). */
  openingBudget?: OpeningBudgetLimits;
}

/** Builds the Express app from its dependencies; listening is the caller's business (server/main.ts, tests). */
export function createApp(deps: AppDependencies): Express {
  const { config, logger } = deps;
  const oauth: OAuthClient | null = config.b24
    ? createOAuthClient({ oauthUrl: config.oauthUrl, clientId: config.b24.clientId, clientSecret: config.b24.clientSecret, fetch: deps.fetch, now: deps.now })
    : null;
  const rest = { fetch: deps.fetch };

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(requestLogging(logger));
  app.use(securityHeaders({ development: config.nodeEnv === 'development' }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const ready = await databaseReachable(deps.database);
    res.setHeader('Cache-Control', 'no-store');
    res.status(ready ? 200 : 503).json(ready ? { status: 'ready' } : { status: 'unavailable', message: 'The database cannot be reached' });
  });
  app.use(deps.pages.assets);
  const now = deps.now ?? Date.now;
  const openingBudget = createOpeningBudget({ limits: deps.openingBudget, now });
  const verifier = oauth && config.b24 ? createOpeningVerifier({ oauth, clientId: config.b24.clientId, oauthUrl: config.oauthUrl, rest, now }) : null;
  app.use(openingRoutes({ config, logger, pages: deps.pages, store: deps.store, verifier, openingBudget }));
  const sleep = deps.sends?.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const uninstallChecker = oauth ? createUninstallChecker({ store: deps.store, gateway: createPortalGateway({ store: deps.store, oauth, logger, now, fetch: deps.fetch }), now, sleep }) : null;
  app.use(eventRoutes({ config, logger, store: deps.store, verifier, uninstallChecker, openingBudget, now: deps.now }));
  const purgeSweeper = startPurgeSweeper({ store: deps.store, logger, now: deps.now, everyMs: deps.purgeSweepMs });
  deps.lifecycle?.onDrain(() => purgeSweeper.stop());

  // One REST limiter and one department tree cache per process, shared by token checks, sends and the picker's reads.
  const limiter = deps.sends?.limiter ?? createPortalRateLimiter({ limit: deps.sends?.rateLimit, now, sleep });
  const treeCache = createDepartmentTreeCache({ now });
  // The API's description holds no data: it is served before (and without) the frame's authorization.
  app.use('/api', openApiRoute({ publicUrl: config.publicUrl }));
  app.use(
    '/api',
    express.json({ limit: SEND_BODY_LIMIT }),
    frameAuth({ store: deps.store, logger, rest, now: deps.now, limiter, sleep }),
    apiRateLimit({ limits: deps.apiRateLimits, now: deps.now }),
    statusRoute({ config, store: deps.store }),
  );
  const audience = sendAudience(treeCache);
  const { sendStore, pipeline, scheduler } = createSending({ config, database: deps.database, store: deps.store, logger, audience, now: deps.now, fetch: deps.fetch, options: { ...deps.sends, limiter } });
  deps.lifecycle?.onDrain(async () => {
    await scheduler?.stop();
    // Claims nothing more; the calls in flight finish and are recorded; their sends are handed over.
    await pipeline?.stop();
  });
  app.use('/api', audienceRoutes({ limiter, treeCache, logger, rest, sleep }));
  app.use('/api', sendRoutes({ sendStore, pipeline, answerWithinMs: deps.sends?.answerWithinMs, now: deps.now }));
  app.use('/api', (_req, res) => {
    res.status(404).json({ error: 'NOT_FOUND', message: 'No such API endpoint' } satisfies ErrorAnswer);
  });
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('Not found');
  });
  app.use(errorHandler(logger));
  return app;
}

/** A trivial query within a few seconds: what a load balancer's readiness probe needs to know. */
async function databaseReachable(database: AppDatabase): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), 3_000);
  });
  const probe = sql`select 1 as ok`.execute(database.db).then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const status = httpStatusOf(error);
    if (status >= 500) {
      logger.error({ err: error, reqId: req.id }, 'request failed');
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    const message = status === 413 ? 'The request body is too large' : status < 500 ? 'The request is malformed' : 'Something went wrong on our side';
    res.status(status).json({ error: status < 500 ? 'BAD_REQUEST' : 'INTERNAL_ERROR', message } satisfies ErrorAnswer);
  };
}

/** body-parser errors carry a 4xx status; anything else is ours. */
function httpStatusOf(error: unknown): number {
  if (typeof error === 'object' && error !== null && 'status' in error) {
    const status = Number((error as { status: unknown }).status);
    if (Number.isInteger(status) && status >= 400 && status < 600) return status;
  }
  return 500;
}
