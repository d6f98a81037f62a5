import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import type { PortalOptions, SimulatorOptions } from './contract.js';
import { startSimulator, type SimulatorImpl } from './simulator.js';
import { postForm, rest, startReceiver, TEST_APP } from './testSupport.js';

/**
 * Bitrix24 runs an OAuth server per region (`bitrix24/b24phpsdk` `src/Core/Credentials/DefaultOAuthServerUrl.php`),
 * and each portal names its own in SERVER_ENDPOINT / server_endpoint (decision 0010, facts 31–32). The
 * refresh answer's `scope` is `app` or the granted list (fact 33).
 */

let sim: SimulatorImpl | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(options: Partial<SimulatorOptions> & { portals: PortalOptions[] }): Promise<SimulatorImpl> {
  sim = await startSimulator({ app: TEST_APP, clock: new ManualClock(Date.UTC(2026, 0, 15, 9, 0, 0)), ...options });
  return sim;
}

function refreshBody(refreshToken: string): string {
  return new URLSearchParams({ grant_type: 'refresh_token', client_id: TEST_APP.clientId, client_secret: TEST_APP.clientSecret, refresh_token: refreshToken }).toString();
}

describe('several OAuth servers', () => {
  it('each portal names its own server everywhere, and only that server knows its tokens', async () => {
    const s = await start({ oauthServerCount: 2, portals: [{ label: 'west', users: 12, preinstalled: true }, { label: 'east', users: 12, preinstalled: true, oauthServer: 1 }] });
    const [west, east] = s.oauthServers;
    expect(s.oauth).toBe(west);
    expect(east!.url).not.toBe(west!.url);
    const portal = s.portal('east');

    const opening = portal.openFrame(1, 'DEFAULT');
    expect(opening.fields.SERVER_ENDPOINT).toBe(`${east!.url}/rest/`);
    const tokens = portal.issueTokens(1);
    expect(tokens).toMatchObject({ server_endpoint: `${east!.url}/rest/`, domain: new URL(east!.url).host });
    expect(s.portal('west').issueTokens(1).server_endpoint).toBe(`${west!.url}/rest/`);
    // The portal itself accepts its tokens as before.
    expect((await rest(portal, 'profile', {}, tokens.access_token)).status).toBe(200);

    // The other region's server does not know them (and spends nothing).
    const elsewhere = await fetch(`${west!.url}/rest/app.info?auth=${tokens.access_token}`);
    expect([elsewhere.status, ((await elsewhere.json()) as { error: string }).error]).toEqual([401, 'invalid_token']);
    expect((await postForm(`${west!.url}/oauth/token/`, refreshBody(tokens.refresh_token))).body.error).toBe('invalid_grant');

    const check = await fetch(`${east!.url}/rest/app.info?auth=${tokens.access_token}`);
    expect(((await check.json()) as { result: { install: Record<string, unknown> } }).result.install).toMatchObject({ member_id: portal.memberId, server_endpoint: `${east!.url}/rest/` });
    const refreshed = await postForm(`${east!.url}/oauth/token/`, refreshBody(tokens.refresh_token));
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({ member_id: portal.memberId, server_endpoint: `${east!.url}/rest/` });
    expect([west!.refreshCount(), east!.refreshCount(portal.memberId)]).toEqual([0, 1]);
  });

  it('events name the portal’s own server in auth[server_endpoint]', async () => {
    const receiver = await startReceiver();
    try {
      const s = await start({ oauthServerCount: 2, portals: [{ label: 'east', users: 12, oauthServer: 1 }] });
      const portal = s.portal('east');
      const opening = portal.openFrame(1, 'INSTALL');
      const { access_token } = portal.issueTokens(1);
      expect((await rest(portal, 'event.bind', { event: 'ONAPPINSTALL', handler: `${receiver.url}/events` }, access_token)).status).toBe(200);
      await portal.frameCommand(opening.appSid, 'setInstallFinish', {});
      expect(portal.events.at(-1)?.fields['auth[server_endpoint]']).toBe(`${s.oauthServers[1]!.url}/rest/`);
    } finally {
      await receiver.close();
    }
  });

  it('refuses a portal on a server that does not run', async () => {
    await expect(startSimulator({ app: TEST_APP, oauthServerCount: 2, portals: [{ oauthServer: 2 }] })).rejects.toThrow(/oauthServer must be below/);
    await expect(startSimulator({ app: TEST_APP, oauthServerCount: 0 })).rejects.toThrow(/oauthServerCount/);
  });
});

describe('the scope of a refresh answer', () => {
  for (const [mode, expected] of [
    [undefined, 'app'],
    ['app', 'app'],
    ['list', TEST_APP.scopes.join(',')],
  ] as const) {
    it(`${mode ?? 'by default'}: ${expected}`, async () => {
      const s = await start({ oauthRefreshScope: mode, portals: [{ users: 12, preinstalled: true }] });
      const tokens = s.portal().issueTokens(1);
      const refreshed = await postForm(`${s.oauth.url}/oauth/token/`, refreshBody(tokens.refresh_token));
      expect(refreshed.body.scope).toBe(expected);
    });
  }
});
