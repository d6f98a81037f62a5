import { createHash, timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import { errorAnswerSchema } from '../../contract/errors.js';
import { answer } from '../api/answer.js';
import type { Metrics } from './metrics.js';

/**
 * GET /metrics in Prometheus's text format, for a scraper holding METRICS_TOKEN (`Authorization: Bearer
 * …`). app.ts mounts it only when the token is configured: without it the path is unknown (404).
 */
export function metricsRoute(deps: { metrics: Metrics; token: string }): Router {
  const expected = digest(deps.token);
  const router = Router();
  router.get('/metrics', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    if (!timingSafeEqual(digest(bearerOf(req.headers.authorization)), expected)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      // For a scraper and its operator, not an admin: the message says what to send, in English.
      answer(res, errorAnswerSchema, { error: 'AUTH_REQUIRED', message: 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>' }, 401);
      return;
    }
    const text = await deps.metrics.registry.metrics();
    res.type(deps.metrics.registry.contentType).send(text);
  });
  return router;
}

function bearerOf(header: string | undefined): string {
  return /^Bearer +(\S+) *$/i.exec(header ?? '')?.[1] ?? '';
}

/** Equal-length digests, so the comparison takes the same time whatever the caller sent. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
