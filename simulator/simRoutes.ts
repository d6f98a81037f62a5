import express, { type Request, type Response } from 'express';
import { isManualClock } from './clock.js';
import type { FaultSpec } from './contract.js';
import { avatarSvg } from './directory.js';
import { SimError, type SimPortalImpl } from './portal.js';

/**
 * Test-only JSON endpoints under `/_sim/` on every portal, so a test in another process (Playwright)
 * can drive and read the simulator. Documented in README.md beside this file.
 */
export function createSimRouter(portal: SimPortalImpl): express.Router {
  const router = express.Router();
  const json = express.json({ limit: '1mb' });
  const body = (req: Request): Record<string, unknown> => (req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {});
  const since = (req: Request) => Number(req.query.since ?? 0) || 0;

  router.get('/_sim/photo/:file', (req, res) => {
    const match = /^(\d+)\.svg$/.exec(req.params.file ?? '');
    const user = match ? portal.directory.user(Number(match[1])) : undefined;
    if (!user || !user.photo) {
      res.status(404).end();
      return;
    }
    res.set('Cache-Control', 'public, max-age=3600').type('image/svg+xml').send(avatarSvg(user));
  });

  router.get('/_sim/state', (_req, res) => {
    res.json({
      label: portal.label,
      origin: portal.origin,
      domain: portal.domain,
      clientEndpoint: portal.clientEndpoint,
      memberId: portal.memberId,
      language: portal.language,
      installState: portal.installState,
      applicationToken: portal.applicationToken,
      appName: portal.appName,
      users: portal.directory.users.length,
      pushes: portal.pushes.length,
      events: portal.events.length,
      boundEvents: portal.boundEvents(),
      placements: portal.placementBindings,
      faults: portal.faults.list(),
      rateLimitFill: portal.bucket.fill(),
      clock: portal.clock.now(),
    });
  });

  router.get('/_sim/pushes', (req, res) => {
    const userId = req.query.userId === undefined ? undefined : Number(req.query.userId);
    res.json({ pushes: portal.pushes.filter((p) => p.seq > since(req) && (userId === undefined || p.userId === userId)) });
  });
  router.get('/_sim/events', (_req, res) => res.json({ events: portal.events }));
  router.get('/_sim/requests', (req, res) => res.json({ requests: portal.requestLog.filter((r) => r.at >= since(req)) }));
  router.get('/_sim/counters', (_req, res) => res.json({ counters: portal.counters() }));
  router.post('/_sim/counters/reset', (_req, res) => {
    portal.resetCounters();
    res.json({ ok: true });
  });

  router.post('/_sim/faults', json, (req, res) => {
    const fault = body(req) as Partial<FaultSpec>;
    if (typeof fault.count !== 'number' || typeof fault.httpStatus !== 'number' || typeof fault.error !== 'string') {
      res.status(400).json({ error: 'BAD_FAULT', error_description: 'count, httpStatus and error are required' });
      return;
    }
    portal.injectFault(fault as FaultSpec);
    res.json({ faults: portal.faults.list() });
  });
  router.delete('/_sim/faults', (_req, res) => {
    portal.clearFaults();
    res.json({ faults: [] });
  });

  router.post('/_sim/app-name', json, (req, res) => {
    portal.setAppName(String(body(req).name ?? ''));
    res.json({ appName: portal.appName });
  });
  router.post('/_sim/tokens', json, (req, res) => {
    const { userId, scope } = body(req);
    handle(res, () => portal.issueTokens(Number(userId), { scope: Array.isArray(scope) ? scope.map(String) : undefined }));
  });
  router.post('/_sim/webhooks', json, (req, res) => {
    const { userId, scope } = body(req);
    handle(res, () => ({ url: portal.createWebhook(Number(userId), Array.isArray(scope) ? scope.map(String) : undefined) }));
  });
  router.post('/_sim/open-frame', json, (req, res) => {
    const { userId, placement, lang } = body(req);
    const place = placement === 'INSTALL' || placement === 'DEFAULT' ? placement : undefined;
    handle(res, () => portal.openFrame(Number(userId), place, { lang: typeof lang === 'string' ? lang : undefined }));
  });
  router.post('/_sim/frame-command', json, async (req, res) => {
    const { appSid, command, params } = body(req);
    try {
      res.json({ result: (await portal.frameCommand(String(appSid), String(command), params ?? null)) ?? null });
    } catch (error) {
      fail(res, error);
    }
  });
  router.post('/_sim/uninstall', json, async (req, res) => {
    await portal.uninstall({ clean: body(req).clean === true });
    res.json({ installState: portal.installState });
  });
  router.post('/_sim/rename', async (_req, res) => {
    const previous = portal.origin;
    const closeOld = await portal.moveToNewPort();
    // This very server turns into a redirect to the new origin once the answer is out.
    res.on('finish', () => void closeOld());
    res.json({ previous, origin: portal.origin, clientEndpoint: portal.clientEndpoint });
  });
  router.post('/_sim/clock/advance', json, (req, res) => {
    if (!isManualClock(portal.clock)) {
      res.status(409).json({ error: 'CLOCK_NOT_MANUAL', error_description: 'the simulator runs on the system clock' });
      return;
    }
    portal.clock.advance(Number(body(req).ms ?? 0));
    res.json({ now: portal.clock.now() });
  });
  return router;
}

function handle(res: Response, action: () => unknown): void {
  try {
    res.json(action());
  } catch (error) {
    fail(res, error);
  }
}

function fail(res: Response, error: unknown): void {
  if (error instanceof SimError) res.status(error.status).json({ error: error.error, error_description: error.message });
  else res.status(500).json({ error: 'SIM_ERROR', error_description: String(error) });
}
