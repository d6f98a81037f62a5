import express, { type ErrorRequestHandler, type Express } from 'express';
import type { AppConfig } from './config.js';
import type { Logger } from './logger.js';
import type { ClientPages } from './http/clientPages.js';
import { requestLogging } from './http/requestLogging.js';
import { pageRoutes } from './http/pageRoutes.js';

export interface AppDependencies {
  config: AppConfig;
  logger: Logger;
  pages: ClientPages;
}

/** Builds the Express app from its dependencies; listening is the caller's business (server/main.ts, tests). */
export function createApp(deps: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(requestLogging(deps.logger));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(pageRoutes(deps));

  app.use('/api', (_req, res) => {
    res.status(404).json({ error: 'NOT_FOUND', message: 'No such API endpoint' });
  });
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('Not found');
  });
  app.use(errorHandler(deps.logger));
  return app;
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
    res.status(status).json({ error: status < 500 ? 'BAD_REQUEST' : 'INTERNAL_ERROR', message });
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
