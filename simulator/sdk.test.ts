import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { sdkClientFor } from './sdkClient.js';
import type { SimulatorImpl } from './simulator.js';
import { startTestSimulator, TEST_APP } from './testSupport.js';

let sim: SimulatorImpl | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('the real SDK (B24OAuth 2.2.0) against the simulator', () => {
  it('calls profile and a batch, and refreshes once on expired_token', async () => {
    // The SDK judges expiry by Date.now(): the simulator's clock starts at real time so both agree until we jump.
    const clock = new ManualClock(Date.now());
    ({ sim } = await startTestSimulator({ clock, portals: [{ users: 80, preinstalled: true }] }));
    const portal = sim.portal();
    const b24 = sdkClientFor(portal, 1, TEST_APP);
    const refreshedPairs: string[] = [];
    b24.setCallbackRefreshAuth(async ({ authData }) => {
      refreshedPairs.push(authData.access_token);
    });

    const profile = await b24.actions.v2.call.make<{ ID: string; ADMIN: boolean }>({ method: 'profile' });
    expect(profile.isSuccess).toBe(true);
    expect(profile.getData()?.result).toMatchObject({ ID: '1', ADMIN: true });
    // The SDK's URL form: client_endpoint + '/profile' = /rest//profile.
    expect(portal.requestLog.at(-1)).toMatchObject({ method: 'profile', httpStatus: 200, authVia: 'body' });

    const batch = await b24.actions.v2.batch.make({
      calls: { me: ['user.current', {}], page: ['user.get', { FILTER: { ACTIVE: true }, start: 0 }], admin: ['user.admin', {}] },
      options: { isHaltOnError: true, returnAjaxResult: true },
    });
    expect(batch.isSuccess).toBe(true);
    const results = batch.getData() as unknown as Record<string, { getData(): { result: unknown; total?: number } | undefined }>;
    expect((results.me?.getData()?.result as { ID: string }).ID).toBe('1');
    expect((results.page?.getData()?.result as unknown[]).length).toBe(50);
    expect(results.admin?.getData()?.result).toBe(true);
    expect(portal.counters()).toMatchObject({ batch: 1, 'user.current': 1, 'user.get': 1, 'user.admin': 1 });

    clock.advance(3601_000);
    const again = await b24.actions.v2.call.make<{ ID: string }>({ method: 'profile' });
    expect(again.getData()?.result.ID).toBe('1');
    expect(sim.oauth.refreshCount(portal.memberId, 1)).toBe(1);
    expect(refreshedPairs).toHaveLength(1);
    expect(sim.oauth.secretSeenInUrl).toBe(false);
    const statuses = portal.requestLog.filter((e) => e.method === 'profile').map((e) => [e.httpStatus, e.error]);
    expect(statuses).toEqual([
      [200, undefined],
      [401, 'expired_token'],
      [200, undefined],
    ]);
  });

  it('surfaces a QUERY_LIMIT_EXCEEDED answer the way the SDK expects (it waits and retries)', async () => {
    ({ sim } = await startTestSimulator({ clock: new ManualClock(Date.now()), portals: [{ users: 20, preinstalled: true }] }));
    const portal = sim.portal();
    const b24 = sdkClientFor(portal, 1, TEST_APP);
    portal.injectFault({ method: 'user.admin', count: 1, httpStatus: 503, error: 'QUERY_LIMIT_EXCEEDED', description: 'Too many requests' });
    const reply = await b24.actions.v2.call.make<boolean>({ method: 'user.admin' });
    expect(reply.getData()?.result).toBe(true);
    expect(portal.requestLog.filter((e) => e.method === 'user.admin').map((e) => e.httpStatus)).toEqual([503, 200]);
  });
});
