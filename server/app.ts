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
import { errorAnswer } from '../contract/errorMessages.js';
import type { AppDatabase } from './storage/database.js';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from './storage/databaseErrors.js';
import type { LimitStore } from './limits/limitStore.js';
import { requestLanguage } from './api/requestLanguage.js';
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
  /** The level of the request log lines (default info; the demo: debug). */
  requestLogLevel?: 'info' | 'debug';
}

/** Mounts the routes and middleware on ready parts; listening is the caller's business (server/runServer.ts, tests). */
export function createApp(deps: AppDependencies): Express {
  const { parts, pages } = deps;
  const { config, logger, store, database, rest, sleep, verifier, openingBudget, uninstallReports, limiter, treeCache, sendStore, pipeline } = parts;

  const app = express();
  app.disable('x-powered-by');
  // Only the configured proxies' X-Forwarded-* are believed (req.ip feeds the per-address budgets).
  app.set('trust proxy', config.trustProxy);
  app.use(requestLogging(logger, { level: deps.requestLogLevel }));
  app.use(securityHeaders({ development: config.nodeEnv === 'development' }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const readiness = await probeReadiness(database, parts.limits);
    res.setHeader('Cache-Control', 'no-store');
    res.status(readiness.status === 'unavailable' ? 503 : 200).json(readiness);
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
  app.use('/api', (req, res) => {
    res.status(404).json(errorAnswer(requestLanguage(req), { error: 'NOT_FOUND', detail: 'No such API endpoint' }));
  });
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('Not found');
  });
  app.use(errorHandler(logger));
  return app;
}

/** How long the readiness probe waits for the database and the limit store. */
const READINESS_BUDGET_MS = 3_000;

type Readiness =
  | { status: 'ready' }
  | { status: 'degraded' | 'unavailable'; message: string; checks: { database: 'ok' | 'unreachable'; limits: 'ok' | 'unreachable' } };

/**
 * What a load balancer's readiness probe needs to know, within a few seconds: the database answers a
 * trivial query (else 503: this process cannot serve). The shared limit store (Redis) is reported but
 * does not make the process unready (200 `degraded`): every process shares it, so all would leave the
 * load balancer at once, while without it each process keeps its limits alone (decision 0014).
 */
async function probeReadiness(database: AppDatabase, limits: LimitStore): Promise<Readiness> {
  const [databaseOk, limitsOk] = await Promise.all([
    within(READINESS_BUDGET_MS, sql`select 1 as ok`.execute(database.db).then(() => true)),
    within(READINESS_BUDGET_MS, limits.reachable()),
  ]);
  if (databaseOk && limitsOk) return { status: 'ready' };
  const checks = { database: databaseOk ? 'ok' : 'unreachable', limits: limitsOk ? 'ok' : 'unreachable' } as const;
  if (!databaseOk) return { status: 'unavailable', message: 'The database cannot be reached', checks };
  return { status: 'degraded', message: `The shared limit store (${limits.kind}) cannot be reached: each process keeps its limits alone until it is back`, checks };
}

/** Whether `probe` resolves true within `ms` (a rejection or the deadline: false). */
async function within(ms: number, probe: Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([probe.catch(() => false), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    if (isDatabaseUnavailable(error)) {
      // An outage, not a bug: one line per request, without the stack.
      logger.warn({ err: { message: (error as Error).message }, reqId: req.id }, 'request failed: the database cannot be reached');
      if (res.headersSent) {
        res.end();
        return;
      }
      res.setHeader('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
      res.status(503).json(errorAnswer(requestLanguage(req), { error: 'DATABASE_UNAVAILABLE' }));
      return;
    }
    const status = httpStatusOf(error);
    if (status >= 500) {
      logger.error({ err: error, reqId: req.id }, 'request failed');
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    const detail = status === 413 ? 'The request body is too large' : status < 500 ? 'The request is malformed' : undefined;
    res.status(status).json(errorAnswer(requestLanguage(req), { error: status < 500 ? 'BAD_REQUEST' : 'INTERNAL_ERROR', detail }));
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
