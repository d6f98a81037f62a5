import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../../scripts/stack.js';
import { ManualClock } from '../../simulator/index.js';
import type { FrameOpening, SimOAuthServer, SimPortal } from '../../simulator/contract.js';
import { forEachDatabase } from '../../test/support/databases.js';
import { firstAdmin } from '../../test/support/directory.js';
import { bindAppEvents } from '../../test/support/installation.js';
import { startStackOnClock } from '../../test/support/stacks.js';

/**
 * Bitrix24 runs an OAuth server per region and each portal names its own (`server_endpoint`; decision
 * 0010, facts 31–32). B24_OAUTH_URL lists the servers the app trusts: a portal is verified and refreshed
 * at the listed server it names, and a server off the list is never contacted (the default one is used).
 * Two simulated OAuth servers, each knowing only its own portals' tokens, and a decoy host that counts
 * what reaches it.
 */
forEachDatabase('several OAuth servers', (getDb) => {
  let stack: Stack;
  let decoy: Server;
  let decoyUrl = '';
  const decoyHits: string[] = [];
  const clock = new ManualClock(Date.now());
  const post = (opening: FrameOpening) => fetch(opening.action, { method: 'POST', body: new URLSearchParams(opening.fields) });
  const west = (): SimOAuthServer => stack.sim.oauthServers[0]!;
  const east = (): SimOAuthServer => stack.sim.oauthServers[1]!;
  const checksAt = (server: SimOAuthServer) => server.requestLog.filter((entry) => entry.method === 'app.info').length;

  beforeAll(async () => {
    decoy = createServer((req, res) => {
      decoyHits.push(req.url ?? '');
      res.setHeader('Content-Type', 'application/json');
      res.end('{"error":"decoy"}');
    });
    await new Promise<void>((resolve) => decoy.listen(0, '127.0.0.1', resolve));
    decoyUrl = `http://127.0.0.1:${(decoy.address() as AddressInfo).port}`;
    stack = await startStackOnClock(getDb(), clock, {
      oauthServerCount: 2,
      portals: [
        { label: 'east', users: 12, oauthServer: 1 },
        { label: 'east-event', users: 12, oauthServer: 1 },
        { label: 'west', users: 12 },
      ],
    });
  });
  afterAll(async () => {
    await stack?.close();
    await new Promise<void>((resolve) => decoy.close(() => resolve()));
  });

  it('B24_OAUTH_URL lists both simulated servers, the first being the default', () => {
    expect(stack.config.oauthUrls).toEqual([west().url, east().url]);
  });

  it('a portal naming the second server is verified there, stored with it, and refreshed there', async () => {
    const portal = stack.sim.portal('east');
    const admin = firstAdmin(portal);
    const opening = portal.openFrame(admin.id, 'INSTALL');
    expect(opening.fields.SERVER_ENDPOINT).toBe(`${east().url}/rest/`);
    const [westChecks, eastChecks] = [checksAt(west()), checksAt(east())];

    expect((await post(opening)).status).toBe(200);
    expect(checksAt(east()) - eastChecks).toBe(1);
    expect(checksAt(west())).toBe(westChecks);
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ serverEndpoint: `${east().url}/rest/`, clientEndpoint: portal.clientEndpoint });
    await portal.frameCommand(opening.appSid, 'setInstallFinish', {});

    // The kept pair expires: the one refresh goes to the portal's own server.
    clock.advance(2 * 3_600_000);
    const answer = await stack.parts.gateway!.callAsAdmin<{ ID: string }>(portal.memberId, 'profile');
    expect(Number(answer.result.ID)).toBe(admin.id);
    expect(east().refreshCount(portal.memberId)).toBe(1);
    expect(west().refreshCount()).toBe(0);
    expect(west().requestLog.some((entry) => entry.method === 'oauth/token')).toBe(false);
  });

  it('an ONAPPINSTALL naming the second server is verified there', async () => {
    const portal = stack.sim.portal('east-event');
    await bindAppEvents(portal, stack.appUrl);
    const opening = portal.openFrame(firstAdmin(portal).id, 'INSTALL'); // the install page is never posted to the app
    const [westChecks, eastChecks] = [checksAt(west()), checksAt(east())];
    await portal.frameCommand(opening.appSid, 'setInstallFinish', {});
    const event = portal.events.at(-1)!;
    expect(event).toMatchObject({ event: 'ONAPPINSTALL', responseStatus: 200 });
    expect(event.fields['auth[server_endpoint]']).toBe(`${east().url}/rest/`);
    expect(checksAt(east()) - eastChecks).toBe(1);
    expect(checksAt(west())).toBe(westChecks);
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'installed', serverEndpoint: `${east().url}/rest/` });
  });

  it('an opening naming a host off the list is verified at the default server; that host is never contacted', async () => {
    const portal = stack.sim.portal('west');
    const admin = firstAdmin(portal);
    const opening = portal.openFrame(admin.id, 'INSTALL');
    const westChecks = checksAt(west());
    const forged = { ...opening, fields: { ...opening.fields, SERVER_ENDPOINT: `${decoyUrl}/rest/` } };
    expect((await post(forged)).status).toBe(200);
    expect(checksAt(west()) - westChecks).toBe(1);
    // What is stored comes from the OAuth server's answer, never from the request.
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ serverEndpoint: `${west().url}/rest/` });

    // An ONAPPINSTALL naming it (a reinstall with a new application token, so the OAuth server must vouch): the same.
    const tokens = portal.issueTokens(admin.id);
    const event = new URLSearchParams({
      event: 'ONAPPINSTALL',
      'auth[access_token]': tokens.access_token,
      'auth[refresh_token]': tokens.refresh_token,
      'auth[expires_in]': '3600',
      'auth[member_id]': portal.memberId,
      'auth[server_endpoint]': `${decoyUrl}/rest/`,
      'auth[application_token]': 'b'.repeat(32),
    });
    const response = await fetch(`${stack.appUrl}/events`, { method: 'POST', body: event });
    expect(response.status).toBe(200);
    expect(decoyHits).toEqual([]);
  });

  it('a stored server_endpoint off the list is refreshed at the default server, never at the host it names, and then follows the answer', async () => {
    const portal = stack.sim.portal('west');
    const stored = (await stack.store.getPortal(portal.memberId))!;
    await stack.store.upsertPortal({ memberId: stored.memberId, domain: stored.domain, clientEndpoint: stored.clientEndpoint, serverEndpoint: `${decoyUrl}/rest/`, appName: stored.appName });
    clock.advance(2 * 3_600_000);
    const before = west().refreshCount(portal.memberId);
    expect(Number((await stack.parts.gateway!.callAsAdmin<{ ID: string }>(portal.memberId, 'profile')).result.ID)).toBe(firstAdmin(portal).id);
    expect(west().refreshCount(portal.memberId) - before).toBe(1);
    expect(decoyHits).toEqual([]);
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ serverEndpoint: `${west().url}/rest/`, clientEndpoint: portal.clientEndpoint });
  });

  it('a request naming the other listed server only chooses where it is checked: there its tokens are unknown, and nothing is stored', async () => {
    const portal = stack.sim.portal('east');
    const opening = portal.openFrame(firstAdmin(portal).id, 'INSTALL');
    await stack.store.deletePortal(portal.memberId); // unknown again: its stored address cannot vouch
    const [westChecks, eastChecks] = [checksAt(west()), checksAt(east())];
    const misdirected = { ...opening, fields: { ...opening.fields, SERVER_ENDPOINT: `${west().url}/rest/` } };
    expect((await post(misdirected)).status).toBe(401);
    expect(west().requestLog.at(-1)).toMatchObject({ method: 'app.info', error: 'invalid_token' });
    expect([checksAt(west()) - westChecks, checksAt(east()) - eastChecks]).toEqual([1, 0]);
    expect(await stack.store.getPortal(portal.memberId)).toBeNull();
  });
});

/** The scope a refresh answer says: the granted list (the current docs) replaces what is stored; `app` keeps it (decision 0010, fact 33). */
describe('the scope of refresh answers', () => {
  for (const mode of ['list', 'app'] as const) {
    forEachDatabase(`refresh answers with scope '${mode}'`, (getDb) => {
      let stack: Stack;
      const clock = new ManualClock(Date.now());
      beforeAll(async () => {
        stack = await startStackOnClock(getDb(), clock, { oauthRefreshScope: mode, portals: [{ label: 'p', users: 12 }] });
      });
      afterAll(async () => {
        await stack?.close();
      });

      it(`the stored scopes after a refresh ${mode === 'list' ? 'are the answer’s list' : 'stay what the portal said'}`, async () => {
        const portal: SimPortal = stack.sim.portal('p');
        const admin = firstAdmin(portal);
        const opening = portal.openFrame(admin.id, 'INSTALL');
        expect((await fetch(opening.action, { method: 'POST', body: new URLSearchParams(opening.fields) })).status).toBe(200);
        await portal.frameCommand(opening.appSid, 'setInstallFinish', {});
        const granted = (await stack.store.getUserTokens(portal.memberId, admin.id))!.scope;
        expect(granted.split(',')).toContain('pull');
        // Stored with a made-up scope, so the test sees whether the refresh answer replaced it.
        await stack.store.withUserTokenLock(portal.memberId, admin.id, async (current, save) => save({ accessToken: current!.accessToken, refreshToken: current!.refreshToken, expiresAt: current!.expiresAt, scope: 'pull' }));

        clock.advance(2 * 3_600_000);
        await stack.parts.gateway!.callAsAdmin(portal.memberId, 'profile');
        expect(stack.sim.oauth.refreshCount(portal.memberId)).toBe(1);
        expect((await stack.store.getUserTokens(portal.memberId, admin.id))!.scope).toBe(mode === 'list' ? granted : 'pull');
      });
    });
  }
});
