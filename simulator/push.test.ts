import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { STABLE_EMPLOYEE_ID } from './directory.js';
import { normaliseUserIds } from './methods/push.js';
import type { SimPortalImpl } from './portal.js';
import type { SimulatorImpl } from './simulator.js';
import { postForm, rest, startTestSimulator } from './testSupport.js';

let sim: SimulatorImpl;
let portal: SimPortalImpl;
let admin: string;
let employee: string;
const METHOD = 'pull.application.push.add';

beforeAll(async () => {
  ({ sim } = await startTestSimulator({ portals: [{ users: 200, preinstalled: true, rateLimit: { burst: 10_000, drainPerSecond: 1000 } }] }));
  portal = sim.portal();
  admin = portal.issueTokens(1).access_token;
  employee = portal.issueTokens(STABLE_EMPLOYEE_ID).access_token;
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  portal.setAppName('Team Push');
});

const send = (params: Record<string, unknown>, token = admin) => rest(portal, METHOD, params, token);

describe('pull.application.push.add', () => {
  it('accepts an admin app call: {result: true, time} and records pushes for reachable users', async () => {
    const before = portal.pushes.length;
    const reply = await send({ USER_ID: [1, STABLE_EMPLOYEE_ID], TEXT: 'Hello\nworld', AVATAR: 'https://example.com/a.png' });
    expect(reply.status).toBe(200);
    expect(reply.body.result).toBe(true);
    expect(reply.body.time).toBeTruthy();
    const added = portal.pushes.slice(before);
    expect(added.map((p) => [p.userId, p.title, p.text, p.avatar, p.senderId])).toEqual([
      [1, 'Team Push', 'Hello\nworld', 'https://example.com/a.png', 1],
      [STABLE_EMPLOYEE_ID, 'Team Push', 'Hello\nworld', 'https://example.com/a.png', 1],
    ]);
    expect(added[1]!.seq).toBe(added[0]!.seq + 1);
  });

  it('records nothing for inactive, push-disabled or unknown users, yet answers true', async () => {
    const inactive = portal.directory.users.find((u) => !u.active)!;
    const noPush = portal.directory.users.find((u) => u.active && !u.pushEnabled)!;
    const before = portal.pushes.length;
    const reply = await send({ USER_ID: [inactive.id, noPush.id, 999_999], TEXT: 'x' });
    expect(reply.body.result).toBe(true);
    expect(portal.pushes.length).toBe(before);
  });

  it('checks in order: scope, auth type, admin, TEXT, app name', async () => {
    portal.setAppName('');
    const noPull = portal.issueTokens(1, { scope: ['user_brief'] }).access_token;
    const nonAdminNoPull = portal.issueTokens(STABLE_EMPLOYEE_ID, { scope: ['user_brief'] }).access_token;
    const hook = portal.createWebhook(1, ['pull']);
    const nonAdminHook = portal.createWebhook(STABLE_EMPLOYEE_ID, ['pull']);
    const hookWithoutPull = portal.createWebhook(1, ['user']);

    const errorOf = async (reply: Promise<{ status: number; body: Record<string, unknown> }>) => {
      const r = await reply;
      return [r.status, r.body.error];
    };
    // Everything wrong at once: the scope answers first.
    expect(await errorOf(send({ TEXT: '' }, nonAdminNoPull))).toEqual([403, 'insufficient_scope']);
    expect(await errorOf(send({ TEXT: '' }, noPull))).toEqual([403, 'insufficient_scope']);
    expect(await errorOf(rest(hookWithoutPull, METHOD, { TEXT: '' }))).toEqual([403, 'insufficient_scope']);
    // A webhook is refused even as an admin, before admin rights and TEXT.
    expect(await errorOf(rest(nonAdminHook, METHOD, { TEXT: '' }))).toEqual([403, 'WRONG_AUTH_TYPE']);
    const wrongAuth = await rest(hook, METHOD, { TEXT: 'x' });
    expect(wrongAuth.body).toEqual({ error: 'WRONG_AUTH_TYPE', error_description: 'Send push notifications available only for application authorization.' });
    // Non-admin: 400 ACCESS_ERROR (not 403), before TEXT.
    const access = await send({ TEXT: '' }, employee);
    expect([access.status, access.body.error]).toEqual([400, 'ACCESS_ERROR']);
    // Admin: TEXT before app name.
    expect(await errorOf(send({ USER_ID: 1, TEXT: '' }))).toEqual([400, 'TEXT_ERROR']);
    const emptyName = await send({ USER_ID: 1, TEXT: 'x' });
    expect([emptyName.status, emptyName.body.error]).toEqual([400, 'EMPTY_APP_NAME']);
    portal.setAppName('Team Push');
    expect((await send({ USER_ID: 1, TEXT: 'x' })).body.result).toBe(true);
  });

  it('uses PHP emptiness for TEXT: missing, "" and "0" rejected; whitespace accepted', async () => {
    for (const params of [{}, { TEXT: '' }, { TEXT: '0' }, { TEXT: 0 }, { TEXT: null }]) {
      expect((await send({ USER_ID: 1, ...params })).body.error).toBe('TEXT_ERROR');
    }
    expect((await send({ USER_ID: 1, TEXT: '  ' })).body.result).toBe(true);
    expect((await send({ USER_ID: 1, TEXT: '00' })).body.result).toBe(true);
    expect((await postForm(`${portal.clientEndpoint}${METHOD}`, `auth=${admin}&USER_ID=1&TEXT=0`)).body.error).toBe('TEXT_ERROR');
  });

  it('records the app name at send time as the title', async () => {
    portal.setAppName('Renamed App');
    await send({ USER_ID: 1, TEXT: 'x' });
    expect(portal.pushes.at(-1)?.title).toBe('Renamed App');
  });

  it('normalises USER_ID: int, arrays, JSON strings, form arrays; drops <= 0 and duplicates; never fails', async () => {
    expect(normaliseUserIds(5)).toEqual([5]);
    expect(normaliseUserIds('5')).toEqual([5]);
    expect(normaliseUserIds('[1,2,2,"3"]')).toEqual([1, 2, 3]);
    expect(normaliseUserIds([1, '2', -3, 0, '0', 'abc', 1, 2.9])).toEqual([1, 2]);
    expect(normaliseUserIds(' 7 apples')).toEqual([7]);
    expect(normaliseUserIds(undefined)).toEqual([]);
    expect(normaliseUserIds({ 0: '4', 1: '5' })).toEqual([4, 5]);
    expect(normaliseUserIds(Array.from({ length: 5000 }, (_, i) => i + 1))).toHaveLength(5000);

    const before = portal.pushes.length;
    expect((await send({ USER_ID: '[1, 1, -1]', TEXT: 'x' })).body.result).toBe(true);
    expect(portal.pushes.slice(before).map((p) => p.userId)).toEqual([1]);
    const viaForm = await postForm(`${portal.clientEndpoint}${METHOD}.json`, `auth=${admin}&USER_ID[]=1&USER_ID[]=${STABLE_EMPLOYEE_ID}&TEXT=hi`);
    expect(viaForm.body.result).toBe(true);
    expect((await send({ USER_ID: 'nobody', TEXT: 'x' })).body.result).toBe(true);
    expect((await send({ TEXT: 'x' })).body.result).toBe(true);
  });

  it('works inside batch', async () => {
    const before = portal.pushes.length;
    const reply = await rest(portal, 'batch', { cmd: { p: `${METHOD}?USER_ID[]=1&TEXT=from%20batch` } }, admin);
    expect((reply.body.result as { result: unknown }).result).toEqual({ p: true });
    expect(portal.pushes.slice(before).map((p) => p.text)).toEqual(['from batch']);
  });
});
