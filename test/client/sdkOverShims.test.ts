import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../simulator/clock.js';
import type { SimulatorImpl } from '../../simulator/simulator.js';
import { startTestSimulator } from '../../simulator/testSupport.js';
import type { SimPortal } from '../../simulator/contract.js';
import { buildFrameSdk, type FrameSdk } from './frameSdkBuild.js';

/**
 * The SDK's REST transport (HttpV2: what B24Frame's callMethod, callBatch and actions.v2 run on) built as the frame
 * build bundles it, with axios and qs-esm replaced by client/platformShims/, against the portal simulator: success,
 * batch, the 401 expired_token → refreshAuth → retry path, a Bitrix24 error and a network failure come out as
 * the SDK makes them with the real axios.
 */

let sdk: FrameSdk;
let sim: SimulatorImpl | undefined;

beforeAll(async () => {
  sdk = await buildFrameSdk();
}, 60_000);

afterAll(async () => {
  await sdk?.close();
});

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/**
 * What B24Frame's AuthManager gives HttpV2, over the simulated portal's frame commands instead of postMessage:
 * the opening's token, `refreshAuth` answered by the portal as the shell relays it. As in a browser whose clock
 * has not moved, the frame holds its token as live; only the portal knows it expired.
 */
function frameAuth(portal: SimPortal, userId: number) {
  const opening = portal.openFrame(userId);
  let token = opening.fields.AUTH_ID!;
  let refreshToken = opening.fields.REFRESH_ID!;
  let refreshes = 0;
  const authData = () => ({
    access_token: token,
    refresh_token: refreshToken,
    expires: Date.now() / 1000 + 3600,
    expires_in: 3600,
    domain: portal.origin,
    member_id: portal.memberId,
  });
  return {
    get refreshes() {
      return refreshes;
    },
    getAuthData: authData,
    async refreshAuth() {
      const answer = (await portal.frameCommand(opening.appSid, 'refreshAuth', {})) as { AUTH_ID: string; REFRESH_ID: string };
      token = answer.AUTH_ID;
      refreshToken = answer.REFRESH_ID;
      refreshes += 1;
      return authData();
    },
    getUniq: (prefix: string) => `${prefix}_${portal.memberId}`,
    isAdmin: true,
    getTargetOrigin: () => portal.origin,
    getTargetOriginWithPath: () =>
      new Map([
        ['v2', `${portal.origin}/rest`],
        ['v3', `${portal.origin}/rest/api`],
      ]),
  };
}

async function portalWithFrame(clock = new ManualClock(Date.now())) {
  ({ sim } = await startTestSimulator({ clock, portals: [{ users: 80, preinstalled: true }] }));
  const portal = sim.portal();
  const admin = portal.directory.users.find((user) => user.admin && user.active)!;
  const auth = frameAuth(portal, admin.id);
  // One attempt per call: a failure is reported at once instead of after the SDK's back-off.
  const http = new sdk.HttpV2(auth as never, null, { maxRetries: 1 } as never);
  return { portal, admin, auth, http, clock };
}

describe('the SDK over the frame build shims', () => {
  it('bundles none of axios, luxon and qs-esm', () => {
    expect(sdk.bundledPackages).toContain('@bitrix24/b24jssdk');
    expect(sdk.bundledPackages.filter((name) => ['axios', 'luxon', 'qs-esm'].includes(name))).toEqual([]);
  });

  it('calls a method and reads its answer', async () => {
    const { portal, admin, http } = await portalWithFrame();
    const answer = await http.call('profile', {});
    expect(answer.isSuccess).toBe(true);
    expect(answer.getStatus()).toBe(200);
    expect(answer.getData()?.result).toMatchObject({ ID: String(admin.id), ADMIN: true });
    expect(portal.requestLog.at(-1)).toMatchObject({ method: 'profile', httpStatus: 200, authVia: 'body', userId: admin.id });
  });

  it('sends a batch with nested parameters (qs) and reads each answer', async () => {
    const { portal, admin, http } = await portalWithFrame();
    const some = portal.directory.users.filter((user) => user.active).slice(0, 3).map((user) => user.id);
    const batch = await http.batch(
      { me: ['user.current', {}], some: ['user.get', { FILTER: { ID: some }, start: 0 }] },
      { isHaltOnError: true },
    );
    expect(batch.isSuccess).toBe(true);
    const results = batch.getData()!.result as unknown as Map<string, { getData(): { result: unknown } | undefined }>;
    expect((results.get('me')?.getData()?.result as { ID: string }).ID).toBe(String(admin.id));
    expect((results.get('some')?.getData()?.result as Array<{ ID: string }>).map((row) => Number(row.ID)).sort((a, b) => a - b)).toEqual([...some].sort((a, b) => a - b));
    expect(portal.counters()).toMatchObject({ batch: 1, 'user.current': 1, 'user.get': 1 });
  });

  it('renews a token the portal refuses as expired (401 expired_token) once, and the call goes through', async () => {
    const { portal, admin, auth, http, clock } = await portalWithFrame();
    expect((await http.call('profile', {})).isSuccess).toBe(true);
    clock.advance(2 * 3_600_000);
    const answer = await http.call('profile', {});
    expect(answer.getData()?.result).toMatchObject({ ID: String(admin.id) });
    expect(auth.refreshes).toBe(1);
    expect(portal.requestLog.filter((entry) => entry.method === 'profile').map((entry) => [entry.httpStatus, entry.error])).toEqual([
      [200, undefined],
      [401, 'expired_token'],
      [200, undefined],
    ]);
  });

  it('turns a Bitrix24 error answer into the SDK error with its code, description and status', async () => {
    const { portal, http } = await portalWithFrame();
    portal.injectFault({ method: 'profile', count: 1, httpStatus: 400, error: 'ERROR_ARGUMENT', description: 'Argument "ID" is not valid' });
    const failure = await http.call('profile', {}).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(sdk.AjaxError);
    expect(failure).toMatchObject({ code: 'ERROR_ARGUMENT', status: 400, message: 'Argument "ID" is not valid' });
  });

  it('reports a connection that breaks as the SDK’s NETWORK_ERROR', async () => {
    const { portal, http } = await portalWithFrame();
    portal.injectFault({ method: 'profile', count: 1, httpStatus: 0, error: 'NETWORK', network: true });
    const failure = await http.call('profile', {}).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(sdk.AjaxError);
    expect(failure).toMatchObject({ code: 'NETWORK_ERROR', status: 0 });
  });

  it('formats dates for Bitrix24 and for log lines as with luxon', () => {
    const date = new Date(2026, 10, 24, 9, 5, 7);
    const offset = -date.getTimezoneOffset();
    const zone = `${offset >= 0 ? '+' : '-'}${String(Math.trunc(Math.abs(offset) / 60)).padStart(2, '0')}:${String(Math.abs(offset) % 60).padStart(2, '0')}`;
    expect(sdk.Text.toB24Format(date)).toBe(`2026-11-24T09:05:07${zone}`);
    const line = new sdk.LineFormatter('{date} {timestamp} {message}').format({
      channel: 'frame',
      level: 200,
      levelName: 'INFO',
      message: 'hello',
      context: {},
      extra: {},
      timestamp: date,
    } as never);
    expect(line).toBe(`2026-11-24 09:05:07 ${Math.floor(date.valueOf() / 1000)} hello`);
    expect(() => sdk.Text.toDateTime('2026-11-24T09:05:07Z')).toThrow(/not supported in the frame build/);
  });
});
