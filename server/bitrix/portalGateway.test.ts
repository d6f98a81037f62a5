import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock, startSimulator, type SimulatorImpl } from '../../simulator/index.js';
import { createLogger } from '../logger.js';
import { createPortalStore, type PortalStore } from '../storage/portalStore.js';
import { forEachDatabase } from '../../test/support/databases.js';
import { runContenders } from '../../test/support/childProcesses.js';
import { createTokenCipher, generateEncryptionKey } from '../security/tokenCipher.js';
import { createOAuthClient } from './oauthClient.js';
import { createPortalGateway, TokensUnusableError, type PortalGateway } from './portalGateway.js';

const APP = { clientId: 'local.gateway.test', clientSecret: 'gateway-secret-0123456789', name: 'Team Push', url: 'http://127.0.0.1:9', scopes: ['pull', 'user_brief', 'department', 'sonet_group'] };
const HOUR = 3_600_000;

let sim: SimulatorImpl;
let clock: ManualClock;

beforeAll(async () => {
  clock = new ManualClock(Date.UTC(2026, 10, 23, 9));
  sim = await startSimulator({ clock, app: APP, portals: [{ label: 'gw', users: 40, preinstalled: true }] });
});

afterAll(async () => {
  await sim.close();
});

forEachDatabase('portal gateway', (getDb) => {
  let store: PortalStore;
  let gateway: PortalGateway;
  const key = generateEncryptionKey();
  const portal = () => sim.portal('gw');
  const admins = () => portal().directory.users.filter((user) => user.admin && user.active);

  /** Stores the portal and an admin's tokens as a verified install would. */
  async function install(userId: number) {
    const answer = portal().issueTokens(userId);
    await store.upsertPortal({ memberId: answer.member_id, domain: new URL(answer.client_endpoint).host, clientEndpoint: answer.client_endpoint, serverEndpoint: answer.server_endpoint, appName: APP.name });
    await store.markInstallFinished(answer.member_id);
    await store.saveUserTokens(answer.member_id, userId, { accessToken: answer.access_token, refreshToken: answer.refresh_token, expiresAt: answer.expires * 1000, scope: answer.scope, isAdmin: true });
    return answer;
  }

  beforeEach(() => {
    store = createPortalStore(getDb().appDb, createTokenCipher(key), { now: () => clock.now() });
    const oauth = createOAuthClient({ oauthUrl: sim.oauth.url, clientId: APP.clientId, clientSecret: APP.clientSecret, now: () => clock.now() });
    gateway = createPortalGateway({ store, oauth, logger: createLogger({ level: 'silent' }), now: () => clock.now() });
  });

  it('calls with the stored token and refreshes nothing while it is valid', async () => {
    const [admin] = admins();
    await install(admin!.id);
    const before = sim.oauth.refreshCount(portal().memberId, admin!.id);
    const { result } = await gateway.callAsUser<{ ID: string }>(portal().memberId, admin!.id, 'profile');
    expect(Number(result.ID)).toBe(admin!.id);
    expect(sim.oauth.refreshCount(portal().memberId, admin!.id)).toBe(before);
  });

  it('50 concurrent calls with an expired token make exactly one refresh', async () => {
    const [admin] = admins();
    await install(admin!.id);
    const before = sim.oauth.refreshCount(portal().memberId, admin!.id);
    clock.advance(2 * HOUR);
    const answers = await Promise.all(Array.from({ length: 50 }, () => gateway.callAsUser<{ ID: string }>(portal().memberId, admin!.id, 'profile')));
    expect(answers.every(({ result }) => Number(result.ID) === admin!.id)).toBe(true);
    expect(sim.oauth.refreshCount(portal().memberId, admin!.id) - before).toBe(1);
    const stored = await store.getUserTokens(portal().memberId, admin!.id);
    expect(stored!.expiresAt).toBeGreaterThan(clock.now());
  });

  it('refreshes on expired_token even when the stored expiry says the token is fine', async () => {
    const [admin] = admins();
    const answer = await install(admin!.id);
    await store.saveUserTokens(portal().memberId, admin!.id, { accessToken: answer.access_token, refreshToken: answer.refresh_token, expiresAt: clock.now() + 10 * HOUR, scope: answer.scope, isAdmin: true });
    clock.advance(2 * HOUR);
    const before = sim.oauth.refreshCount(portal().memberId, admin!.id);
    await gateway.callAsUser(portal().memberId, admin!.id, 'profile');
    expect(sim.oauth.refreshCount(portal().memberId, admin!.id) - before).toBe(1);
  });

  it('invalid_grant marks that admin dead and another admin of the portal is used', async () => {
    const [first, second] = admins();
    const firstAnswer = await install(first!.id);
    await install(second!.id);
    sim.oauth.revokeRefreshToken(firstAnswer.refresh_token);
    clock.advance(2 * HOUR);
    await expect(gateway.callAsUser(portal().memberId, first!.id, 'profile')).rejects.toMatchObject({ reason: 'invalid_grant' });
    expect((await store.getUserTokens(portal().memberId, first!.id))!.tokenState).toBe('dead');
    const { result } = await gateway.callAsAdmin<{ ID: string }>(portal().memberId, 'profile', {}, first!.id);
    expect(Number(result.ID)).toBe(second!.id);
  });

  it('with every admin dead it says an admin must open the app', async () => {
    const [only] = admins();
    const answer = await install(only!.id);
    for (const admin of admins().slice(1)) await store.markTokensDead(portal().memberId, admin.id);
    sim.oauth.revokeRefreshToken(answer.refresh_token);
    clock.advance(2 * HOUR);
    const error = await gateway.callAsAdmin(portal().memberId, 'profile').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokensUnusableError);
    expect((error as TokensUnusableError).reason).toBe('no_admin');
  });

  /** Requests the simulated OAuth server answered, by kind. */
  const oauthRequests = (method: 'oauth/token' | 'app.info') => sim.oauth.requestLog.filter((entry) => entry.method === method).length;

  it('follows a renamed portal to the endpoint the OAuth server reports, without a refresh grant; a push goes out once there', async () => {
    const [admin] = admins();
    await install(admin!.id);
    const oldEndpoint = portal().clientEndpoint;
    const grantsBefore = oauthRequests('oauth/token');
    await portal().rename();
    expect(portal().clientEndpoint).not.toBe(oldEndpoint);
    const { result } = await gateway.callAsUser<{ ID: string }>(portal().memberId, admin!.id, 'profile');
    expect(Number(result.ID)).toBe(admin!.id);
    expect((await store.getPortal(portal().memberId))!.clientEndpoint).toBe(portal().clientEndpoint);

    await portal().rename();
    const text = `moved once ${randomUUID()}`;
    await gateway.callAsUser(portal().memberId, admin!.id, 'pull.application.push.add', { USER_ID: [admin!.id], TEXT: text }, { repeatable: false });
    expect(portal().pushes.filter((push) => push.text === text)).toHaveLength(1);
    expect((await store.getPortal(portal().memberId))!.clientEndpoint).toBe(portal().clientEndpoint);
    expect(oauthRequests('oauth/token') - grantsBefore).toBe(0);
  });

  it('20 concurrent calls that meet a rename all go out at the new address after one token check', async () => {
    const [admin] = admins();
    await install(admin!.id);
    await portal().rename();
    const checksBefore = oauthRequests('app.info');
    const answers = await Promise.all(Array.from({ length: 20 }, () => gateway.callAsUser<{ ID: string }>(portal().memberId, admin!.id, 'profile')));
    expect(answers.every(({ result }) => Number(result.ID) === admin!.id)).toBe(true);
    expect(oauthRequests('app.info') - checksBefore).toBe(1);
  });

  it('a portal that answers 302 to everything: 10 pushes cost no refresh grant and two token checks at most, and fail as PORTAL_MOVED', async () => {
    const [admin] = admins();
    await install(admin!.id);
    const grantsBefore = oauthRequests('oauth/token');
    const checksBefore = oauthRequests('app.info');
    const text = `redirected ${randomUUID()}`;
    portal().injectFault({ count: 1000, httpStatus: 302, error: 'MOVED', description: 'Found' });
    try {
      for (let i = 0; i < 10; i += 1) {
        const error = await gateway.callAsUser(portal().memberId, admin!.id, 'pull.application.push.add', { USER_ID: [admin!.id], TEXT: `${text} ${i}` }, { repeatable: false }).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: 'PORTAL_MOVED' });
      }
    } finally {
      portal().clearFaults();
    }
    expect(oauthRequests('oauth/token') - grantsBefore).toBe(0);
    expect(oauthRequests('app.info') - checksBefore).toBeLessThanOrEqual(2);
    expect(portal().pushes.filter((push) => push.text.startsWith(text))).toHaveLength(0);
  });

  it('a call that may have run is made again only if it may run twice: a read is repeated, a push (repeatable: false) never', async () => {
    const [admin] = admins();
    await install(admin!.id);
    const calls = (method: string) => portal().requestLog.filter((entry) => entry.method === method).length;
    // The socket is cut after the request arrived: Bitrix24 may have run it.
    portal().injectFault({ method: 'profile', count: 1, httpStatus: 0, error: '', network: true });
    const profileCalls = calls('profile');
    const { result } = await gateway.callAsUser<{ ID: string }>(portal().memberId, admin!.id, 'profile');
    expect(Number(result.ID)).toBe(admin!.id);
    expect(calls('profile') - profileCalls).toBe(2);

    portal().injectFault({ method: 'pull.application.push.add', count: 1, httpStatus: 0, error: '', network: true });
    const pushCalls = calls('pull.application.push.add');
    const error = await gateway.callAsUser(portal().memberId, admin!.id, 'pull.application.push.add', { USER_ID: [admin!.id], TEXT: 'once' }, { repeatable: false }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NETWORK_ERROR' });
    expect(calls('pull.application.push.add') - pushCalls).toBe(1);
    expect(portal().pushes.filter((push) => push.text === 'once')).toHaveLength(0);
  });

  it('never sends client_secret in a URL', () => {
    expect(sim.oauth.secretSeenInUrl).toBe(false);
  });
});

describe("an OAuth server whose clock is two hours off ours", () => {
  forEachDatabase('clock skew', (getDb) => {
    it('3 sends spread over an hour make at most 1 refresh: expiry comes from expires_in on our clock', async () => {
      const skewedClock = new ManualClock(clock.now());
      const skewed = await startSimulator({ clock: skewedClock, app: APP, oauthClockSkewMs: -2 * HOUR, portals: [{ label: 'skew', users: 12, preinstalled: true }] });
      try {
        const portal = skewed.portal('skew');
        const admin = portal.directory.users.find((user) => user.admin && user.active)!;
        const store = createPortalStore(getDb().appDb, createTokenCipher(generateEncryptionKey()), { now: () => skewedClock.now() });
        const oauth = createOAuthClient({ oauthUrl: skewed.oauth.url, clientId: APP.clientId, clientSecret: APP.clientSecret, now: () => skewedClock.now() });
        const gateway = createPortalGateway({ store, oauth, logger: createLogger({ level: 'silent' }), now: () => skewedClock.now() });
        const answer = portal.issueTokens(admin.id);
        await store.upsertPortal({ memberId: answer.member_id, domain: new URL(answer.client_endpoint).host, clientEndpoint: answer.client_endpoint, serverEndpoint: answer.server_endpoint, appName: APP.name });
        // Stored as already expired: the first call must refresh once; the answer's `expires` lies two hours in the past.
        await store.saveUserTokens(answer.member_id, admin.id, { accessToken: answer.access_token, refreshToken: answer.refresh_token, expiresAt: skewedClock.now() - 1000, scope: answer.scope, isAdmin: true });
        for (let send = 0; send < 3; send += 1) {
          await gateway.callAsUser(answer.member_id, admin.id, 'profile');
          skewedClock.advance(20 * 60_000);
        }
        expect(skewed.oauth.refreshCount(answer.member_id, admin.id)).toBe(1);
      } finally {
        await skewed.close();
      }
    });
  });
});

describe('two app processes on one PostgreSQL', () => {
  forEachDatabase(
    'token refresh across processes',
    (getDb) => {
      it('an expired token used concurrently by two processes is refreshed exactly once', async () => {
        const key = generateEncryptionKey();
        const store = createPortalStore(getDb().appDb, createTokenCipher(key), { now: () => clock.now() });
        const portal = sim.portal('gw');
        const admin = portal.directory.users.find((user) => user.admin && user.active)!;
        const answer = portal.issueTokens(admin.id);
        await store.upsertPortal({ memberId: answer.member_id, domain: new URL(answer.client_endpoint).host, clientEndpoint: answer.client_endpoint, serverEndpoint: answer.server_endpoint, appName: APP.name });
        // Already expired by the children's (real) clock, so both must renew before calling.
        await store.saveUserTokens(answer.member_id, admin.id, { accessToken: answer.access_token, refreshToken: answer.refresh_token, expiresAt: Date.now() - 1000, scope: answer.scope, isAdmin: true });
        const before = sim.oauth.refreshCount(answer.member_id, admin.id);
        clock.advance(HOUR); // let the portal's rate-limit bucket drain from the earlier suites
        const env = {
          DATABASE_URL: getDb().url,
          TOKEN_KEY: key.toBase64(),
          OAUTH_URL: sim.oauth.url,
          CLIENT_ID: APP.clientId,
          CLIENT_SECRET: APP.clientSecret,
          MEMBER_ID: answer.member_id,
          USER_ID: String(admin.id),
          CALLS: '20',
        };
        const results = await runContenders<{ ok: number; errors: string[] }>('gatewayContender.ts', [env, env], 30_000);
        expect(results.flatMap((r) => r.errors)).toEqual([]);
        expect(results.reduce((sum, r) => sum + r.ok, 0)).toBe(40);
        expect(sim.oauth.refreshCount(answer.member_id, admin.id) - before).toBe(1);
      });
    },
    { only: ['postgres'] },
  );
});
