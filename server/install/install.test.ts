import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, type Stack } from '../../scripts/stack.js';
import { fixtureClientPages } from '../../test/support/fixturePages.js';
import type { FrameOpening, SimPortal } from '../../simulator/contract.js';
import { createLogger } from '../logger.js';

/** The frame-ancestors directive of a page's Content-Security-Policy. */
const frameAncestorsOf = (response: Response) => /(?:^|; )(frame-ancestors [^;]+)/.exec(response.headers.get('content-security-policy') ?? '')?.[1] ?? null;
import { forEachDatabase } from '../../test/support/databases.js';
import { bindAppEvents } from '../../test/support/installation.js';
import { firstAdmin } from '../../test/support/directory.js';

/** The install handshake and the app's events, through the portal simulator, on SQLite and PostgreSQL. */
forEachDatabase(
  'install and events',
  (getDb) => {
    let stack: Stack;
    let trap: Server;
    let trapHits = 0;
    const logLines: string[] = [];

    beforeAll(async () => {
      // A host that a forged request names: nothing may ever contact it.
      trap = createServer((_req, res) => {
        trapHits += 1;
        res.end();
      });
      await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
      const destination = new Writable({
        write(chunk: Buffer, _encoding, done) {
          logLines.push(chunk.toString());
          done();
        },
      });
      stack = await startStack({
        pages: fixtureClientPages(),
        databaseUrl: getDb().url,
        logger: createLogger({ level: 'debug', destination }),
        portals: [
          { label: 'main', users: 30 },
          { label: 'early-event', users: 10 },
          { label: 'clean', users: 10 },
        ],
      });
    });

    afterAll(async () => {
      await stack?.close();
      await new Promise<void>((resolve) => trap.close(() => resolve()));
    });

    const adminOf = firstAdmin;
    const post = (opening: FrameOpening) => fetch(opening.action, { method: 'POST', body: new URLSearchParams(opening.fields) });
    const bindEvents = (portal: SimPortal) => bindAppEvents(portal, stack.appUrl);
    /** The admin's install page binds the events and finishes; Bitrix24 delivers ONAPPINSTALL and we take it. */
    const finishInstallFromFrame = async (portal: SimPortal) => {
      await bindEvents(portal);
      const opening = portal.openFrame(adminOf(portal).id, 'INSTALL');
      await portal.frameCommand(opening.appSid, 'setInstallFinish', {});
      expect(portal.events.at(-1)).toMatchObject({ event: 'ONAPPINSTALL', responseStatus: 200 });
      return opening;
    };

    it('a forged install (tokens the OAuth server does not know) stores nothing and contacts nothing it names', async () => {
      const portal = stack.sim.portal('main');
      const trapHost = `127.0.0.1:${(trap.address() as AddressInfo).port}`;
      const before = portal.requestLog.length;
      const response = await fetch(`${stack.appUrl}/install?DOMAIN=${trapHost}&PROTOCOL=0&LANG=en&APP_SID=x`, {
        method: 'POST',
        body: new URLSearchParams({ AUTH_ID: 'f'.repeat(64), REFRESH_ID: 'e'.repeat(64), member_id: portal.memberId, SERVER_ENDPOINT: `http://${trapHost}/rest/`, APPLICATION_TOKEN: 'a'.repeat(32) }),
      });
      expect(response.status).toBe(401);
      expect(await stack.store.getPortal(portal.memberId)).toBeNull();
      expect(trapHits).toBe(0);
      expect(portal.requestLog.length).toBe(before);
      // The OAuth server's token check refused it; no refresh grant was spent on it.
      expect(stack.sim.oauth.requestLog.at(-1)).toMatchObject({ method: 'app.info', error: 'invalid_token' });
      expect(stack.sim.oauth.requestLog.some((entry) => entry.method === 'oauth/token')).toBe(false);
    });

    it('a genuine install is verified with the OAuth server and stored, but counts as unfinished until installFinish', async () => {
      const portal = stack.sim.portal('main');
      const admin = adminOf(portal);
      const response = await post(portal.openFrame(admin.id, 'INSTALL'));
      expect(response.status).toBe(200);
      expect(frameAncestorsOf(response)).toBe(`frame-ancestors ${portal.origin}`);
      expect(response.headers.get('x-frame-options')).toBeNull();
      const stored = await stack.store.getPortal(portal.memberId);
      expect(stored).toMatchObject({ installState: 'new', installFinishedAt: null, clientEndpoint: portal.clientEndpoint, applicationToken: portal.applicationToken, appName: 'Team Push', appStatus: 'L' });
      expect(await stack.store.getUserTokens(portal.memberId, admin.id)).toMatchObject({ isAdmin: true, tokenState: 'live' });
    });

    it('re-installing is harmless', async () => {
      const portal = stack.sim.portal('main');
      const response = await post(portal.openFrame(adminOf(portal).id, 'INSTALL'));
      expect(response.status).toBe(200);
      expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'new', applicationToken: portal.applicationToken });
    });

    it('ONAPPINSTALL after the install POST confirms the installation with the stored application token', async () => {
      const portal = stack.sim.portal('main');
      await finishInstallFromFrame(portal);
      expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'installed' });
    });

    it('a non-admin opening the app page leaves no tokens behind; an admin opening it refreshes theirs', async () => {
      const portal = stack.sim.portal('main');
      const employee = portal.directory.users.find((user) => !user.admin && user.active && user.type === 'employee')!;
      const page = await post(portal.openFrame(employee.id, 'DEFAULT'));
      expect(page.status).toBe(200);
      expect(frameAncestorsOf(page)).toBe(`frame-ancestors ${portal.origin}`);
      expect(await stack.store.getUserTokens(portal.memberId, employee.id)).toBeNull();
      const before = await stack.store.getUserTokens(portal.memberId, adminOf(portal).id);
      await post(portal.openFrame(adminOf(portal).id, 'DEFAULT'));
      const after = await stack.store.getUserTokens(portal.memberId, adminOf(portal).id);
      expect(after!.accessToken).not.toBe(before!.accessToken);
    });

    it('a forged uninstall (wrong application token) changes nothing', async () => {
      const portal = stack.sim.portal('main');
      const response = await fetch(`${stack.appUrl}/events`, {
        method: 'POST',
        body: new URLSearchParams({ event: 'ONAPPUNINSTALL', 'data[CLEAN]': '1', 'auth[member_id]': portal.memberId, 'auth[application_token]': 'not-the-application-token', 'auth[domain]': portal.domain }),
      });
      expect(response.status).toBe(401);
      expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'installed' });
      expect(logLines.join('')).toContain('wrong application token ignored');
    });

    it('a genuine uninstall without CLEAN marks the portal uninstalled, keeping its data; its tokens are no longer used', async () => {
      const portal = stack.sim.portal('main');
      await portal.uninstall({ clean: false });
      expect(portal.events.at(-1)).toMatchObject({ event: 'ONAPPUNINSTALL', responseStatus: 200 });
      expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'uninstalled', purgeAfter: null });
      await expect(stack.parts.gateway!.callAsUser(portal.memberId, adminOf(portal).id, 'app.info')).rejects.toMatchObject({ reason: 'portal_unavailable' });
    });

    it('ONAPPINSTALL before the install POST is verified through the OAuth server and creates the portal', async () => {
      const portal = stack.sim.portal('early-event');
      const opening = await finishInstallFromFrame(portal);
      expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'installed', applicationToken: portal.applicationToken, clientEndpoint: portal.clientEndpoint });
      // The install POST arriving late changes nothing that matters.
      expect((await post(opening)).status).toBe(200);
      expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'installed' });
    });

    it('a genuine uninstall with CLEAN marks the portal uninstalled and schedules its deletion (uninstall.test.ts follows it through)', async () => {
      const portal = stack.sim.portal('clean');
      const opening = portal.openFrame(adminOf(portal).id, 'INSTALL');
      expect((await post(opening)).status).toBe(200);
      await bindEvents(portal);
      await portal.frameCommand(opening.appSid, 'setInstallFinish', {});
      expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'installed' });
      await portal.uninstall({ clean: true });
      expect(portal.events.at(-1)).toMatchObject({ event: 'ONAPPUNINSTALL', responseStatus: 200 });
      expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'uninstalled', purgeAfter: expect.any(Number) });
      await expect(stack.parts.gateway!.callAsUser(portal.memberId, adminOf(portal).id, 'app.info')).rejects.toMatchObject({ reason: 'portal_unavailable' });
    });

    it('leaves no token, application token or client secret in the log output', () => {
      const output = logLines.join('');
      expect(output.length).toBeGreaterThan(0);
      const secrets = stack.sim.portals.flatMap((portal) => [portal.applicationToken, ...portal.events.flatMap((event) => Object.entries(event.fields).filter(([key]) => /token/.test(key)).map(([, value]) => value))]);
      secrets.push(stack.config.b24!.clientSecret);
      for (const secret of secrets.filter((value) => value && value.length >= 8)) expect(output).not.toContain(secret);
      // Token-shaped strings (long hex/base64 runs) never appear either.
      expect(output).not.toMatch(/[0-9a-f]{40,}/i);
      expect(stack.sim.oauth.secretSeenInUrl).toBe(false);
    });
  },
);
