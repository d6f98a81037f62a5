import express, { type ErrorRequestHandler, type Express } from 'express';
import { sql } from 'kysely';
import type { Logger } from './logger.js';
import type { ClientPages } from './http/clientPages.js';
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
import { SEND_BODY_LIMIT } from './send/messageSchema.js';
import { audienceRoutes } from './api/audienceRoutes.js';
import { metricsRoute } from './metrics/metricsRoute.js';
import type { AppParts } from './composition.js';

export interface AppDependencies {
  /** The process's long-lived parts, built once by composeParts (server/composition.ts). */
  parts: AppParts;
  pages: ClientPages;
  /** Per-user and per-portal limits on /api/ (default DEFAULT_API_RATE_LIMITS). */
  apiRateLimits?: ApiRateLimits;
}

/** Mounts the routes and middleware on ready parts; listening is the caller's business (server/runServer.ts, tests). */
export function createApp(deps: AppDependencies): Express {
  const { parts, pages } = deps;
  const { config, logger, store, database, rest, sleep, verifier, openingBudget, uninstallReports, limiter, treeCache, sendStore, pipeline } = parts;

  const app = express();
  app.disable('x-powered-by');
  // Only the configured proxies' X-Forwarded-* are believed (req.ip feeds the per-address budgets).
  app.set('trust proxy', config.trustProxy);
  app.use(requestLogging(logger));
  app.use(securityHeaders({ development: config.nodeEnv === 'development' }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const ready = await databaseReachable(database);
    res.setHeader('Cache-Control', 'no-store');
    res.status(ready ? 200 : 503).json(ready ? { status: 'ready' } : { status: 'unavailable', message: 'The database cannot be reached' });
  });
  // Prometheus scrapes: served only to the holder of METRICS_TOKEN; without one the path is unknown (404).
  if (config.metricsToken) app.use(metricsRoute({ metrics: parts.metrics, token: config.metricsToken }));
  app.use(pages.assets);
  app.use(openingRoutes({ config, logger, pages, store, verifier, openingBudget, uninstallReports }));
  app.use(eventRoutes({ config, logger, store, verifier, uninstallReports, openingBudget }));

  // The API's description holds no data: it is served before (and without) the frame's authorization.
  app.use('/api', openApiRoute({ publicUrl: config.publicUrl }));
  app.use(
    '/api',
    express.json({ limit: SEND_BODY_LIMIT }),
    frameAuth({ store, logger, rest, now: parts.now, limiter, sleep, limitStore: parts.limits, relocation: parts.relocation, uninstallReports }),
    apiRateLimit({ limits: deps.apiRateLimits, store: parts.limits }),
    statusRoute({ config, store }),
  );
  app.use('/api', audienceRoutes({ limiter, treeCache, logger, rest, sleep }));
  app.use('/api', sendRoutes({ sendStore, pipeline, answerWithinMs: parts.answerWithinMs, now: parts.now }));
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
