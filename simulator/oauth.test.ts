import { afterEach, describe, expect, it } from 'vitest';
import type { SimulatorImpl } from './simulator.js';
import { postForm, rest, startTestSimulator, TEST_APP } from './testSupport.js';

let sim: SimulatorImpl | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

function refreshBody(refreshToken: string, overrides: Record<string, string> = {}): string {
  return new URLSearchParams({
    grant_type: 'refresh_token',
    client_id: TEST_APP.clientId,
    client_secret: TEST_APP.clientSecret,
    refresh_token: refreshToken,
    ...overrides,
  }).toString();
}

describe('OAuth server', () => {
  it('issues tokens bound to portal and user that expire after an hour on the clock', async () => {
    const started = await startTestSimulator();
    sim = started.sim;
    const portal = sim.portal();
    const tokens = portal.issueTokens(1);
    expect(tokens).toMatchObject({
      expires_in: 3600,
      member_id: portal.memberId,
      user_id: 1,
      client_endpoint: portal.clientEndpoint,
      server_endpoint: `${sim.oauth.url}/rest/`,
      domain: new URL(sim.oauth.url).host,
      status: 'L',
      // As the real OAuth server answers (settings/oauth/auto-renewal.md): not the granted list.
      scope: 'app',
    });
    expect(tokens.access_token).toMatch(/^[a-z0-9]{70}$/);
    // The granted scopes come from the portal's `scope` method (api-reference/common/system/scope.md).
    expect((await rest(portal, 'scope', {}, tokens.access_token)).body.result).toEqual(TEST_APP.scopes);
    expect(((await rest(portal, 'scope', { full: true }, tokens.access_token)).body.result as string[]).length).toBeGreaterThan(TEST_APP.scopes.length);
    expect(tokens.expires).toBe(Math.floor(started.clock.now() / 1000) + 3600);

    expect((await rest(portal, 'profile', {}, tokens.access_token)).status).toBe(200);
    started.clock.advance(3599_000);
    expect((await rest(portal, 'profile', {}, tokens.access_token)).status).toBe(200);
    started.clock.advance(1_000);
    const expired = await rest(portal, 'profile', {}, tokens.access_token);
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual({ error: 'expired_token', error_description: 'The access token provided has expired.' });
  });

  it('honours a configured access token lifetime', async () => {
    const started = await startTestSimulator({ accessTokenTtl: 60 });
    sim = started.sim;
    const tokens = sim.portal().issueTokens(1);
    expect(tokens.expires_in).toBe(60);
    started.clock.advance(60_000);
    expect((await rest(sim.portal(), 'profile', {}, tokens.access_token)).body.error).toBe('expired_token');
  });

  it('refreshes with a single-use refresh token (a second use is invalid_grant)', async () => {
    const started = await startTestSimulator();
    sim = started.sim;
    const portal = sim.portal();
    const first = portal.issueTokens(2);
    started.clock.advance(4000_000);

    const refreshed = await postForm(`${sim.oauth.url}/oauth/token/`, refreshBody(first.refresh_token));
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({ member_id: portal.memberId, user_id: 2, client_endpoint: portal.clientEndpoint, expires_in: 3600 });
    expect(refreshed.body.access_token).not.toBe(first.access_token);
    expect((await rest(portal, 'profile', {}, String(refreshed.body.access_token))).status).toBe(200);
    expect(sim.oauth.refreshCount(portal.memberId, 2)).toBe(1);
    expect(sim.oauth.refreshCount()).toBe(1);

    const again = await postForm(`${sim.oauth.url}/oauth/token/`, refreshBody(first.refresh_token));
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');

    const chained = await postForm(`${sim.oauth.url}/oauth/token/`, refreshBody(String(refreshed.body.refresh_token)));
    expect(chained.status).toBe(200);
    expect(sim.oauth.refreshCount(portal.memberId, 2)).toBe(2);
  });

  it('refuses a wrong client, missing parameters, an unknown grant, revoked and expired refresh tokens', async () => {
    const started = await startTestSimulator();
    sim = started.sim;
    const tokens = sim.portal().issueTokens(1);
    const url = `${sim.oauth.url}/oauth/token/`;

    const wrongSecret = await postForm(url, refreshBody(tokens.refresh_token, { client_secret: 'nope' }));
    expect([wrongSecret.status, wrongSecret.body.error]).toEqual([401, 'invalid_client']);
    const wrongClient = await postForm(url, refreshBody(tokens.refresh_token, { client_id: 'local.other' }));
    expect([wrongClient.status, wrongClient.body.error]).toEqual([401, 'invalid_client']);
    expect((await postForm(url, 'grant_type=refresh_token')).body.error).toBe('invalid_request');
    expect((await postForm(url, refreshBody('', {}))).body.error).toBe('invalid_request');
    expect((await postForm(url, '')).body.error).toBe('invalid_request');
    expect((await postForm(url, refreshBody(tokens.refresh_token, { grant_type: 'password' }))).body.error).toBe('unsupported_grant_type');
    expect((await postForm(url, refreshBody('made-up-token'))).body.error).toBe('invalid_grant');

    // A failed client check did not spend the token.
    sim.oauth.revokeRefreshToken(tokens.refresh_token);
    const revoked = await postForm(url, refreshBody(tokens.refresh_token));
    expect([revoked.status, revoked.body.error]).toEqual([400, 'invalid_grant']);

    const old = sim.portal().issueTokens(1);
    started.clock.advance(181 * 86_400_000);
    expect((await postForm(url, refreshBody(old.refresh_token))).body.error).toBe('invalid_grant');
  });

  it('notices a client_secret sent in the URL', async () => {
    ({ sim } = await startTestSimulator());
    const tokens = sim.portal().issueTokens(1);
    expect(sim.oauth.secretSeenInUrl).toBe(false);
    await postForm(`${sim.oauth.url}/oauth/token/`, refreshBody(tokens.refresh_token));
    expect(sim.oauth.secretSeenInUrl).toBe(false);
    const response = await fetch(`${sim.oauth.url}/oauth/token/?${refreshBody(tokens.refresh_token)}`);
    expect(response.status).toBe(400); // already used above
    expect(sim.oauth.secretSeenInUrl).toBe(true);
    expect(sim.oauth.requestLog.map((e) => e.method)).toEqual(['oauth/token', 'oauth/token']);
  });

  it('answers app.info for a token check, and refuses unknown or expired tokens', async () => {
    const started = await startTestSimulator();
    sim = started.sim;
    const portal = sim.portal();
    const tokens = portal.issueTokens(1);
    const ok = await fetch(`${sim.oauth.url}/rest/app.info?auth=${tokens.access_token}`);
    const body = (await ok.json()) as { result: Record<string, unknown>; time: unknown };
    expect(ok.status).toBe(200);
    expect(body.result).toMatchObject({ INSTALLED: true, STATUS: 'L', member_id: portal.memberId, user_id: 1, install: { installed: true, member_id: portal.memberId, client_endpoint: portal.clientEndpoint } });
    expect(body.time).toBeTruthy();

    const unknown = await fetch(`${sim.oauth.url}/rest/app.info?auth=nope`);
    expect([unknown.status, ((await unknown.json()) as { error: string }).error]).toEqual([401, 'invalid_token']);
    started.clock.advance(3600_000);
    const expired = await fetch(`${sim.oauth.url}/rest/app.info?auth=${tokens.access_token}`);
    expect([expired.status, ((await expired.json()) as { error: string }).error]).toEqual([401, 'expired_token']);
  });

  it('gives a renamed portal its new client_endpoint; the old origin answers 302 to the new one and runs nothing', async () => {
    ({ sim } = await startTestSimulator());
    const portal = sim.portal();
    const tokens = portal.issueTokens(1);
    const oldEndpoint = portal.clientEndpoint;
    await portal.rename();
    expect(portal.clientEndpoint).not.toBe(oldEndpoint);
    expect(portal.directory.user(1)?.photo.startsWith(portal.origin)).toBe(true);

    const refreshed = await postForm(`${sim.oauth.url}/oauth/token/`, refreshBody(tokens.refresh_token));
    expect(refreshed.body.client_endpoint).toBe(portal.clientEndpoint);
    expect(refreshed.body.member_id).toBe(portal.memberId);
    expect((await rest(portal, 'profile', {}, tokens.access_token)).status).toBe(200);
    const before = portal.requestLog.length;
    const moved = await fetch(`${oldEndpoint}profile.json`, { method: 'POST', redirect: 'manual' });
    expect([moved.status, moved.headers.get('location')]).toEqual([302, `${portal.clientEndpoint}profile.json`]);
    expect(portal.requestLog.length).toBe(before);
  });
});
