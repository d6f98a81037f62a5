import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pinoHttp } from 'pino-http';
import type { RequestHandler } from 'express';
import type { Logger } from '../logger.js';

const REQUEST_ID = /^[\w-]{8,64}$/;

/** The load balancer's and the orchestrator's probes: every few seconds, from every instance. */
export const HEALTH_PROBE_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz']);
/** Prometheus's scrapes (server/metrics/): as regular as the probes, and logged like them. */
export const SCRAPE_PATHS: ReadonlySet<string> = new Set(['/metrics']);

const pathOf = (req: IncomingMessage & { originalUrl?: string }): string => (req.originalUrl ?? req.url ?? '').split('?')[0] ?? '';

/**
 * One log line per request with a request id; bodies, query strings and headers are never logged.
 * A health probe or metrics scrape that succeeds is logged at debug (at info they would drown the log);
 * one that fails at warn. Other requests are logged at `level` (info; the demo's console shows what
 * happens, not every page and asset, so it passes debug).
 */
export function requestLogging(logger: Logger, options: { level?: 'info' | 'debug' } = {}): RequestHandler {
  const level = options.level ?? 'info';
  return pinoHttp({
    logger,
    genReqId: (req, res) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (req: IncomingMessage, res: ServerResponse) => {
      const path = pathOf(req);
      if (!HEALTH_PROBE_PATHS.has(path) && !SCRAPE_PATHS.has(path)) return level;
      return res.statusCode < 400 ? 'debug' : 'warn';
    },
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
}
