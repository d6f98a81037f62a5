import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from './clock.js';
import type { DirectoryUser } from './contract.js';
import { STABLE_EMPLOYEE_ID } from './directory.js';
import type { SimPortalImpl } from './portal.js';
import type { SimulatorImpl } from './simulator.js';
import { postForm, rest, rows, startTestSimulator } from './testSupport.js';

let sim: SimulatorImpl;
let clock: ManualClock;
let portal: SimPortalImpl;
let other: SimPortalImpl;
let admin: string;
let employee: string;

beforeAll(async () => {
  ({ sim, clock } = await startTestSimulator({
    portals: [
      { label: 'main', users: 300, preinstalled: true, rateLimit: { burst: 100_000, drainPerSecond: 1000 } },
      { label: 'other', users: 20, preinstalled: true },
    ],
  }));
  portal = sim.portal('main');
  other = sim.portal('other');
  admin = portal.issueTokens(1).access_token;
  employee = portal.issueTokens(STABLE_EMPLOYEE_ID).access_token;
});
afterAll(async () => {
  await sim.close();
});

const timeKeys = ['start', 'finish', 'duration', 'processing', 'date_start', 'date_finish', 'operating_reset_at', 'operating'];

describe('REST transport', () => {
  it('accepts /rest/m, /rest/m.json, /rest//m, body/query/Bearer credentials, JSON and form bodies', async () => {
    const urls = [`${portal.origin}/rest/profile`, `${portal.origin}/rest/profile.json`, `${portal.origin}/rest//profile?bx24_request_id=x`];
    for (const url of urls) {
      const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ auth: admin }) });
      expect(response.status).toBe(200);
    }
    const viaQuery = await fetch(`${portal.origin}/rest/profile.json?auth=${admin}`);
    expect(viaQuery.status).toBe(200);
    const viaHeader = await fetch(`${portal.origin}/rest/profile.json`, { method: 'POST', headers: { Authorization: `Bearer ${admin}` } });
    expect(viaHeader.status).toBe(200);
    const viaForm = await postForm(`${portal.origin}/rest/profile.json`, `auth=${admin}`);
    expect(viaForm.status).toBe(200);
    const vias = portal.requestLog.slice(-6).map((e) => e.authVia);
    expect(vias).toEqual(['body', 'body', 'body', 'query', 'header', 'body']);
  });

  it('answers every success with result and time, and logs the call', async () => {
    const reply = await rest(portal, 'profile', {}, admin);
    expect(Object.keys(reply.body.time as object)).toEqual(timeKeys);
    expect((reply.body.time as { start: number }).start).toBe(clock.now() / 1000);
    const last = portal.requestLog.at(-1);
    expect(last).toMatchObject({ method: 'profile', httpStatus: 200, userId: 1, authVia: 'body' });
  });

  it('refuses missing, unknown, expired and foreign credentials', async () => {
    expect((await rest(portal, 'profile', {})).body).toEqual({ error: 'NO_AUTH_FOUND', error_description: 'Wrong authorization data' });
    expect((await rest(portal, 'profile', {})).status).toBe(401);
    const unknown = await rest(portal, 'profile', {}, 'made-up');
    expect([unknown.status, unknown.body.error]).toEqual([401, 'invalid_token']);
    const foreign = await rest(portal, 'profile', {}, other.issueTokens(1).access_token);
    expect([foreign.status, foreign.body.error]).toEqual([401, 'invalid_token']);
    const short = portal.issueTokens(1).access_token;
    clock.advance(3600_000);
    const expired = await rest(portal, 'profile', {}, short);
    expect([expired.status, expired.body.error]).toEqual([401, 'expired_token']);
    admin = portal.issueTokens(1).access_token;
    employee = portal.issueTokens(STABLE_EMPLOYEE_ID).access_token;
  });

  it('answers ERROR_METHOD_NOT_FOUND (404) for an unknown method', async () => {
    const reply = await rest(portal, 'crm.deal.fly', {}, admin);
    expect([reply.status, reply.body.error]).toEqual([404, 'ERROR_METHOD_NOT_FOUND']);
  });

  it('checks scopes: insufficient_scope (403) without the method scope, none needed for profile/user.admin/app.info', async () => {
    const pullOnly = portal.issueTokens(1, { scope: ['pull'] }).access_token;
    for (const method of ['user.get', 'user.current', 'department.get', 'sonet_group.get', 'placement.bind']) {
      const reply = await rest(portal, method, {}, pullOnly);
      expect([method, reply.status, reply.body.error]).toEqual([method, 403, 'insufficient_scope']);
    }
    for (const method of ['profile', 'user.admin', 'app.info', 'event.get']) {
      expect((await rest(portal, method, {}, pullOnly)).status).toBe(200);
    }
  });

  it('answers CORS as the core does: any origin, headers origin, content-type, accept (preflight included)', async () => {
    // rest module: CRestUtil::sendHeaders() (classes/general/rest_util.php) on every REST answer, and
    // CRestEventHandlers::OnBeforeProlog (include.php) answers OPTIONS under /rest/ with those headers only.
    const preflight = (origin: string, headers = 'content-type') =>
      fetch(`${portal.origin}/rest/profile`, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': headers },
      });
    for (const origin of [portal.appOrigin, 'http://other.example']) {
      const answer = await preflight(origin, 'authorization');
      expect(answer.status).toBe(200);
      expect(await answer.text()).toBe('');
      expect(answer.headers.get('access-control-allow-origin')).toBe('*');
      expect(answer.headers.get('access-control-allow-headers')).toBe('origin, content-type, accept');
      expect(answer.headers.get('access-control-allow-methods')).toBeNull();
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const webhookPreflight = await fetch(`${portal.origin}/rest/1/code/profile.json`, { method: 'OPTIONS', headers: { Origin: 'http://other.example' } });
    expect(webhookPreflight.headers.get('access-control-allow-origin')).toBe('*');
    const call = await fetch(`${portal.origin}/rest/profile`, {
      method: 'POST',
      headers: { Origin: 'http://other.example', 'Content-Type': 'application/json' },
      body: JSON.stringify({ auth: admin }),
    });
    expect(call.status).toBe(200);
    expect(call.headers.get('access-control-allow-origin')).toBe('*');
    expect(call.headers.get('access-control-allow-headers')).toBe('origin, content-type, accept');
    const refused = await fetch(`${portal.origin}/rest/profile`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('parses PHP bracketed form bodies', async () => {
    const reply = await postForm(`${portal.origin}/rest/user.get.json`, `auth=${admin}&FILTER[ID][]=1&FILTER[ID][]=2&FILTER[ACTIVE]=true`);
    expect(rows(reply).map((u) => u.ID)).toEqual(['1', '2']);
  });
});

describe('REST methods', () => {
  it('profile, user.admin, user.current', async () => {
    const profile = await rest(portal, 'profile', {}, employee);
    const user = portal.directory.user(STABLE_EMPLOYEE_ID) as DirectoryUser;
    expect(profile.body.result).toMatchObject({ ID: String(STABLE_EMPLOYEE_ID), ADMIN: false, NAME: user.name, LAST_NAME: user.lastName, TIME_ZONE: '' });
    expect((await rest(portal, 'user.admin', {}, admin)).body.result).toBe(true);
    expect((await rest(portal, 'user.admin', {}, employee)).body.result).toBe(false);
    const current = (await rest(portal, 'user.current', {}, employee)).body.result as Record<string, unknown>;
    expect(current).toMatchObject({ ID: String(STABLE_EMPLOYEE_ID), ACTIVE: true, USER_TYPE: 'employee', UF_DEPARTMENT: user.departments });
    expect(current).not.toHaveProperty('EMAIL');
  });

  it('app.info', async () => {
    const reply = await rest(portal, 'app.info', {}, admin);
    expect(reply.body.result).toEqual({
      ID: expect.any(Number),
      CODE: 'local.simtest.1',
      VERSION: 1,
      STATUS: 'L',
      INSTALLED: true,
      PAYMENT_EXPIRED: 'N',
      DAYS: null,
      LANGUAGE_ID: 'en',
      LICENSE: 'en_pro100',
      LICENSE_TYPE: 'pro100',
      LICENSE_FAMILY: 'pro',
    });
  });

  it('user.get: field shapes, 50-row pages with total and next, start=-1 without count', async () => {
    const first = await rest(portal, 'user.get', {}, admin);
    const listed = portal.directory.users.filter((u) => u.type !== 'bot' && u.type !== 'email');
    expect(first.body.total).toBe(listed.length);
    expect(first.body.next).toBe(50);
    expect(rows(first)).toHaveLength(50);
    const row = rows(first)[0] as Record<string, unknown>;
    expect(row).toMatchObject({ ID: '1', ACTIVE: true, IS_ONLINE: expect.stringMatching(/^[YN]$/), UF_DEPARTMENT: [1], USER_TYPE: 'employee' });
    expect(typeof row.NAME).toBe('string');
    expect(row).toHaveProperty('SECOND_NAME');
    expect(row).toHaveProperty('WORK_POSITION');
    expect(row).not.toHaveProperty('EMAIL');

    const last = await rest(portal, 'user.get', { start: 250 }, admin);
    expect(rows(last)).toHaveLength(listed.length - 250);
    expect(last.body).not.toHaveProperty('next');

    const uncounted = await rest(portal, 'user.get', { start: -1 }, admin);
    expect(uncounted.body).not.toHaveProperty('total');
    expect(uncounted.body).not.toHaveProperty('next');
    expect(rows(uncounted)).toHaveLength(50);

    const full = portal.issueTokens(1, { scope: ['user'] }).access_token;
    expect(rows(await rest(portal, 'user.get', { ID: 1 }, full))[0]).toHaveProperty('EMAIL');
  });

  it('user.get filters: ID, ACTIVE, USER_TYPE, UF_DEPARTMENT (direct), NAME_SEARCH, names, IS_ONLINE; top-level or FILTER', async () => {
    const { directory } = portal;
    const ids = async (params: Record<string, unknown>) => {
      const out: number[] = [];
      let start: unknown = 0;
      while (start !== undefined) {
        const reply = await rest(portal, 'user.get', { ...params, start }, admin);
        out.push(...rows(reply).map((u) => Number(u.ID)));
        start = reply.body.next;
      }
      return out;
    };
    expect(await ids({ ID: 7 })).toEqual([7]);
    expect(await ids({ FILTER: { ID: [9, 3, 3] } })).toEqual([3, 9]);
    expect(await ids({ filter: { ID: '5' } })).toEqual([5]);

    const inactive = directory.users.filter((u) => !u.active && u.type !== 'bot' && u.type !== 'email').map((u) => u.id);
    expect(inactive.length).toBeGreaterThan(0);
    expect(await ids({ FILTER: { ACTIVE: false } })).toEqual(inactive);
    expect((await ids({ ACTIVE: true })).some((id) => inactive.includes(id))).toBe(false);
    expect(await ids({ ACTIVE: 'Y' })).toEqual(await ids({ ACTIVE: true }));

    const extranet = directory.users.filter((u) => u.type === 'extranet').map((u) => u.id);
    expect(await ids({ USER_TYPE: 'extranet' })).toEqual(extranet);
    const email = directory.users.filter((u) => u.type === 'email').map((u) => u.id);
    expect(await ids({ USER_TYPE: 'email' })).toEqual(email);

    const department = directory.departments[3]!;
    const direct = directory.usersInDepartment(department.id).filter((u) => u.type !== 'bot').map((u) => u.id);
    expect(await ids({ UF_DEPARTMENT: department.id })).toEqual(direct);
    const two = [directory.departments[1]!.id, directory.departments[2]!.id];
    const both = [...new Set(two.flatMap((d) => directory.usersInDepartment(d).map((u) => u.id)))].sort((a, b) => a - b);
    expect(await ids({ FILTER: { UF_DEPARTMENT: two } })).toEqual(both);

    const someone = directory.user(5)!;
    const found = await ids({ FILTER: { NAME_SEARCH: someone.lastName.slice(0, 3) } });
    expect(found).toContain(5);
    for (const id of found) {
      const u = directory.user(id)!;
      const words = `${u.name} ${u.lastName} ${u.secondName} ${u.position}`.toLowerCase();
      expect(words).toContain(someone.lastName.slice(0, 3).toLowerCase());
    }
    expect(await ids({ NAME: someone.name, LAST_NAME: someone.lastName })).toContain(5);
    expect(await ids({ '%LAST_NAME': someone.lastName.slice(1, 4) })).toContain(5);
    const online = directory.users.filter((u) => u.online && u.type !== 'bot' && u.type !== 'email').map((u) => u.id);
    expect(await ids({ IS_ONLINE: 'Y' })).toEqual(online);
  });

  it('user.get sorts by sort/order', async () => {
    const reply = await rest(portal, 'user.get', { sort: 'ID', order: 'DESC' }, admin);
    const got = rows(reply).map((u) => Number(u.ID));
    expect(got).toEqual([...got].sort((a, b) => b - a));
    const byName = rows(await rest(portal, 'user.get', { sort: 'LAST_NAME', order: 'ASC' }, admin)).map((u) => String(u.LAST_NAME));
    expect(byName).toEqual([...byName].sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' })));
  });

  it('user.search: FIND over names, position and department names, merged with the other filter keys as the core does', async () => {
    const department = portal.directory.departments.find((d) => d.id !== 1 && portal.directory.usersInDepartment(d.id).length > 0)!;
    const word = department.name.split(/\s+/)[0]!;
    const reply = await rest(portal, 'user.search', { FILTER: { FIND: word } }, admin);
    expect(reply.status).toBe(200);
    expect(rows(reply).length).toBeGreaterThan(0);
    // rest module lib/api/user.php: FIND is merged with the other keys (the docs say they cannot be combined).
    const found = rows(reply).map((u) => Number(u.ID));
    const one = found[0]!;
    const mixed = await rest(portal, 'user.search', { FILTER: { FIND: word, ID: one } }, admin);
    expect(rows(mixed).map((u) => Number(u.ID))).toEqual([one]);
    const employees = await rest(portal, 'user.search', { FILTER: { FIND: word, ACTIVE: 'Y', USER_TYPE: 'employee' } }, admin);
    expect(rows(employees).length).toBeGreaterThan(0);
    expect(rows(employees).every((u) => u.ACTIVE === true && u.USER_TYPE === 'employee')).toBe(true);
    // A FILTER array replaces the top-level keys altogether.
    const topLevelIgnored = await rest(portal, 'user.search', { FIND: 'no such person at all', FILTER: { FIND: word } }, admin);
    expect(topLevelIgnored.body.total).toBe(reply.body.total);
    const byName = await rest(portal, 'user.search', { FILTER: { LAST_NAME: portal.directory.user(5)!.lastName.slice(0, 2) } }, admin);
    expect(rows(byName).map((u) => u.ID)).toContain('5');
  });

  it('department.get: string ids, filters, paging', async () => {
    const reply = await rest(portal, 'department.get', {}, admin);
    const list = rows(reply);
    expect(list[0]).toEqual({ ID: '1', NAME: 'Company', SORT: 500, UF_HEAD: '1' });
    expect(list[1]).toMatchObject({ ID: '2', PARENT: '1' });
    expect(reply.body.total).toBe(portal.directory.departments.length);
    const children = rows(await rest(portal, 'department.get', { PARENT: 1 }, admin));
    expect(children.every((d) => d.PARENT === '1')).toBe(true);
    expect(rows(await rest(portal, 'department.get', { ID: 2 }, admin))).toHaveLength(1);
    const named = portal.directory.departments[2]!.name;
    expect(rows(await rest(portal, 'department.get', { NAME: named }, admin)).map((d) => d.NAME)).toEqual([named]);
  });

  it('sonet_group.get and sonet_group.user.get', async () => {
    const groups = await rest(portal, 'sonet_group.get', {}, admin);
    const list = rows(groups);
    expect(list.length).toBeGreaterThan(0);
    expect(list[0]).toMatchObject({ ID: expect.any(String), NAME: expect.any(String), ACTIVE: 'Y', OWNER_ID: expect.any(String) });
    const ids = list.map((g) => Number(g.ID));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const hidden = portal.directory.groups.find((g) => !g.visible && !g.members.some((m) => m.userId === 1));
    if (hidden) {
      expect(ids).not.toContain(hidden.id);
      const asAdmin = rows(await rest(portal, 'sonet_group.get', { IS_ADMIN: 'Y' }, admin)).map((g) => Number(g.ID));
      expect(asAdmin).toContain(hidden.id);
    }
    const members = await rest(portal, 'sonet_group.user.get', { ID: 1 }, employee);
    expect(rows(members)).toContainEqual({ USER_ID: String(STABLE_EMPLOYEE_ID), ROLE: 'K' });
    expect(rows(members)).toContainEqual({ USER_ID: '1', ROLE: 'A' });
    // As the core answers: active members only, all of them at once (no paging, no total).
    expect(members.body.total).toBeUndefined();
    const group = portal.directory.group(1)!;
    const leaver = portal.directory.user(group.members.find((m) => m.role === 'K' && m.userId !== STABLE_EMPLOYEE_ID)!.userId)!;
    leaver.active = false; // the member is fired
    try {
      const listed = rows(await rest(portal, 'sonet_group.user.get', { ID: 1 }, admin)).map((m) => Number(m.USER_ID));
      expect(listed).not.toContain(leaver.id);
      expect(listed.length).toBe(group.members.length - 1);
    } finally {
      leaver.active = true;
    }
    const missing = await rest(portal, 'sonet_group.user.get', { ID: 99_999 }, admin);
    expect([missing.status, missing.body.error_description]).toEqual([400, 'Socialnetwork group not found']);
  });

  it('webhooks work for reading but are not application authorization', async () => {
    const hook = portal.createWebhook(1);
    const profile = await fetch(`${hook}profile.json`);
    expect(profile.status).toBe(200);
    expect(portal.requestLog.at(-1)?.authVia).toBe('webhook');
    const info = await fetch(`${hook}app.info`);
    expect([info.status, ((await info.json()) as { error: string }).error]).toEqual([400, 'ACCESS_DENIED']);
    const bind = await fetch(`${hook}event.bind?event=ONAPPINSTALL&handler=http://127.0.0.1:9/e`);
    expect([bind.status, ((await bind.json()) as { error: string }).error]).toEqual([403, 'WRONG_AUTH_TYPE']);
    const bad = await fetch(`${portal.origin}/rest/1/wrongcode/profile`);
    expect([bad.status, ((await bad.json()) as { error: string }).error]).toEqual([401, 'NO_AUTH_FOUND']);
  });

  it('event.bind / event.get / event.unbind and placement.bind / get / unbind', async () => {
    const handler = 'http://127.0.0.1:9/events';
    expect((await rest(portal, 'event.bind', { event: 'onAppUninstall', handler }, admin)).body.result).toBe(true);
    const dup = await rest(portal, 'event.bind', { event: 'ONAPPUNINSTALL', handler }, admin);
    expect([dup.status, dup.body.error, dup.body.error_description]).toEqual([400, 'ERROR_CORE', 'Handler already binded']);
    expect((await rest(portal, 'event.bind', { event: 'ONNOTHING', handler }, admin)).body.error).toBe('ERROR_EVENT_NOT_FOUND');
    expect((await rest(portal, 'event.bind', { event: 'ONAPPINSTALL', handler, auth_type: 1 }, employee)).body.error).toBe('ACCESS_DENIED');
    expect((await rest(portal, 'event.get', {}, admin)).body.result).toContainEqual({ event: 'ONAPPUNINSTALL', handler, auth_type: '0', offline: 0 });
    expect(portal.boundEvents()).toEqual({ ONAPPUNINSTALL: [handler] });
    expect((await rest(portal, 'event.unbind', { event: 'ONAPPUNINSTALL', handler }, admin)).body.result).toEqual({ count: 1 });
    expect(portal.boundEvents()).toEqual({});

    const place = { PLACEMENT: 'LEFT_MENU', HANDLER: 'http://127.0.0.1:9/', TITLE: 'Team Push' };
    expect((await rest(portal, 'placement.bind', place, employee)).body.error).toBe('ACCESS_DENIED');
    expect((await rest(portal, 'placement.bind', place, admin)).body.result).toBe(true);
    expect((await rest(portal, 'placement.bind', place, admin)).body.error).toBe('ERROR_CORE');
    expect((await rest(portal, 'placement.bind', { HANDLER: 'x' }, admin)).body.error).toBe('ERROR_ARGUMENT');
    expect(rows(await rest(portal, 'placement.get', {}, admin))).toEqual([
      expect.objectContaining({ placement: 'LEFT_MENU', handler: 'http://127.0.0.1:9/', title: 'Team Push' }),
    ]);
    expect((await rest(portal, 'placement.unbind', { PLACEMENT: 'LEFT_MENU' }, admin)).body.result).toEqual({ count: 1 });
  });
});

describe('a big directory', () => {
  it('builds 50,000 users fast and serves user.get pages over them quickly', async () => {
    const t0 = performance.now();
    const { sim: big } = await startTestSimulator({ portals: [{ users: 50_000, preinstalled: true, rateLimit: { burst: 1000, drainPerSecond: 100 } }] });
    const startMs = performance.now() - t0;
    try {
      const p = big.portal();
      expect(p.directory.users).toHaveLength(50_000);
      expect(p.directory.departments.length).toBeGreaterThanOrEqual(300);
      expect(startMs).toBeLessThan(2000);
      const token = p.issueTokens(1).access_token;
      await rest(p, 'user.get', { ACTIVE: true }, token); // warm-up
      const t1 = performance.now();
      const page = await rest(p, 'user.get', { FILTER: { ACTIVE: true, USER_TYPE: 'employee' }, start: 25_000 }, token);
      const dept = await rest(p, 'user.get', { UF_DEPARTMENT: 5, start: 0 }, token);
      const search = await rest(p, 'user.get', { NAME_SEARCH: 'mül' }, token);
      const elapsed = performance.now() - t1;
      expect(page.body.total).toBeGreaterThan(45_000);
      expect(rows(page)).toHaveLength(50);
      expect(rows(dept).length).toBeGreaterThan(0);
      expect(rows(search).length).toBeGreaterThan(0);
      expect(elapsed).toBeLessThan(1500);
    } finally {
      await big.close();
    }
  });

  it('is deterministic for a seed, with the documented fixed points', async () => {
    const { createDirectory } = await import('./directory.js');
    const a = createDirectory({ users: 1000, seed: 7 });
    const b = createDirectory({ users: 1000, seed: 7 });
    const c = createDirectory({ users: 1000, seed: 8 });
    expect(JSON.stringify(a.users)).toBe(JSON.stringify(b.users));
    expect(JSON.stringify(a.users)).not.toBe(JSON.stringify(c.users));
    const one = a.user(1)!;
    expect([one.admin, one.active, one.type, one.pushEnabled]).toEqual([true, true, 'employee', true]);
    const two = a.user(STABLE_EMPLOYEE_ID)!;
    expect([two.admin, two.active, two.type, two.pushEnabled, two.departments.length > 0]).toEqual([false, true, 'employee', true, true]);
    const counts = (t: string) => a.users.filter((u) => u.type === t).length;
    expect(counts('bot')).toBe(2);
    expect(counts('extranet')).toBeGreaterThanOrEqual(2);
    expect(counts('email')).toBeGreaterThanOrEqual(1);
    expect(a.users.filter((u) => u.type === 'extranet' || u.type === 'bot' || u.type === 'email').every((u) => u.departments.length === 0)).toBe(true);
    const inactive = a.users.filter((u) => !u.active).length / a.users.length;
    expect(inactive).toBeGreaterThan(0.01);
    expect(inactive).toBeLessThan(0.06);
    expect(a.users.filter((u) => u.admin).length).toBeGreaterThanOrEqual(2);
    expect(a.users.some((u) => /[А-я]/.test(u.name))).toBe(true);
    expect(a.users.some((u) => /[äöüß]/i.test(u.lastName))).toBe(true);
    expect(a.departments.some((d) => d.parent !== null && d.parent !== 1)).toBe(true);
  });
});
