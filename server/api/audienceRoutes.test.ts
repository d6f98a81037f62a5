import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../scripts/stack.js';
import { fixtureClientPages } from '../../test/support/fixturePages.js';
import type { SimPortal } from '../../simulator/contract.js';
import { firstAdmin, isRecipient, postInstall, subtree } from '../../test/support/directory.js';
import { MEMBER_ID_HEADER } from './frameAuth.js';

/** The picker's reads (preview, search, directory) and sending to each audience kind, through the simulator. */

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ pages: fixtureClientPages(), portals: [{ label: 'one', users: 600, seed: 11 }, { label: 'two', users: 30 }] });
  for (const label of ['one', 'two']) expect(await postInstall(stack.sim.portal(label))).toBe(200);
});

afterAll(async () => {
  await stack?.close();
});

const admin = firstAdmin;
const headersOf = (portal: SimPortal, userId: number, extra: Record<string, string> = {}) => ({
  Authorization: `Bearer ${portal.issueTokens(userId).access_token}`,
  [MEMBER_ID_HEADER]: portal.memberId,
  ...extra,
});
const asAdmin = (portal: SimPortal, extra?: Record<string, string>) => headersOf(portal, admin(portal).id, extra);
type Answer = Record<string, unknown> & { error?: string; message?: string; field?: string };
async function call(path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; body: Answer }> {
  const response = await fetch(`${stack.appUrl}/api${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Answer };
}

describe('audience preview', () => {
  it('counts the people a send would reach, with a sample and the chosen users who cannot get it', async () => {
    const portal = stack.sim.portal('one');
    const department = portal.directory.departments.find((d) => d.parent === 1 && portal.directory.departments.some((child) => child.parent === d.id))!;
    const inside = subtree(portal, department.id);
    const extranet = portal.directory.users.find((user) => user.type === 'extranet')!;
    const expected = portal.directory.users.filter((user) => isRecipient(user) && user.departments.some((d) => inside.has(d)));
    const { status, body } = await call('/audience/preview', asAdmin(portal), { audience: { accessCodes: [`DR${department.id}`, `U${extranet.id}`] } });
    expect(status).toBe(200);
    expect(body.count).toBe(expected.length);
    expect((body.sample as Array<{ id: number }>).every((person) => expected.some((user) => user.id === person.id))).toBe(true);
    expect(body.unreachableUsers).toEqual([extranet.id]);
  });

  it('refuses a bad audience with 400 naming the field, and a missing department with 422 naming it (translated)', async () => {
    const portal = stack.sim.portal('one');
    const cases: Array<[unknown, string, string | undefined]> = [
      [{}, 'AUDIENCE_INVALID', 'audience'],
      [{ audience: {} }, 'AUDIENCE_INVALID', 'audience'],
      [{ audience: { accessCodes: ['G2'] } }, 'AUDIENCE_INVALID', 'audience.accessCodes.0'],
      [{ audience: { users: [-1] } }, 'AUDIENCE_INVALID', 'audience.users.0'],
      [{ audience: { all: true }, extra: 1 }, 'UNKNOWN_FIELD', 'extra'],
    ];
    portal.resetCounters();
    for (const [body, error, field] of cases) {
      const answer = await call('/audience/preview', asAdmin(portal), body);
      expect([answer.status, answer.body.error, answer.body.field], JSON.stringify(body)).toEqual([400, error, field]);
      expect(answer.body.message).toBeTruthy();
    }
    expect(portal.counters().batch ?? 0).toBe(0);
    const missing = await call('/audience/preview', asAdmin(portal, { 'Accept-Language': 'ru' }), { audience: { departments: [{ id: 99_999 }] } });
    expect(missing.status).toBe(422);
    expect(missing.body).toMatchObject({ error: 'DEPARTMENT_NOT_FOUND', ids: [99_999] });
    expect(missing.body.message).toMatch(/отдел/);
  });
});

describe('recipient search and directory', () => {
  it('finds active employees by last name, position and department name; never extranet users', async () => {
    const portal = stack.sim.portal('one');
    const target = portal.directory.users.find((user) => isRecipient(user) && user.id > 3)!;
    const byName = await call(`/recipients/search?q=${encodeURIComponent(target.lastName)}`, asAdmin(portal));
    expect(byName.status).toBe(200);
    const users = byName.body.users as Array<{ id: number; fullName: string; position: string }>;
    expect(users.find((user) => user.id === target.id)).toMatchObject({ fullName: expect.stringContaining(target.lastName), position: target.position });

    const byPosition = await call(`/recipients/search?q=${encodeURIComponent(target.position)}`, asAdmin(portal));
    expect((byPosition.body.users as Array<{ id: number }>).length).toBeGreaterThan(0);

    const department = portal.directory.departments.find((d) => d.id === target.departments[0])!;
    const byDepartment = await call(`/recipients/search?q=${encodeURIComponent(department.name)}`, asAdmin(portal));
    expect((byDepartment.body.users as Array<{ id: number }>).some((user) => user.id === target.id)).toBe(true);

    const extranet = portal.directory.users.find((user) => user.type === 'extranet')!;
    const outsider = await call(`/recipients/search?q=${encodeURIComponent(`${extranet.name} ${extranet.lastName}`)}`, asAdmin(portal));
    expect((outsider.body.users as Array<{ id: number }>).some((user) => user.id === extranet.id)).toBe(false);

    for (const q of ['', '   ', 'x'.repeat(101)]) {
      const bad = await call(`/recipients/search?q=${encodeURIComponent(q)}`, asAdmin(portal));
      expect([bad.status, bad.body.error, bad.body.field]).toEqual([400, 'SEARCH_INVALID', 'q']);
    }
  });

  it('lists every department and every workgroup (hidden ones too) to choose from', async () => {
    const portal = stack.sim.portal('one');
    const { status, body } = await call('/recipients/directory', asAdmin(portal));
    expect(status).toBe(200);
    expect((body.departments as Array<{ id: number }>).map((d) => d.id).sort((a, b) => a - b)).toEqual(portal.directory.departments.map((d) => d.id).sort((a, b) => a - b));
    expect((body.groups as Array<{ id: number }>).length).toBe(portal.directory.groups.length);
  });

  it('only administrators read; a token of another portal is refused', async () => {
    const portal = stack.sim.portal('one');
    const employee = portal.directory.users.find((user) => isRecipient(user) && !user.admin)!;
    for (const [path, body] of [['/recipients/search?q=a', undefined], ['/recipients/directory', undefined], ['/audience/preview', { audience: { all: true } }]] as const) {
      const refused = await call(path, headersOf(portal, employee.id), body);
      expect([refused.status, refused.body.error]).toEqual([403, 'NOT_ADMIN']);
      const other = stack.sim.portal('two');
      const foreign = await call(path, { ...asAdmin(other), [MEMBER_ID_HEADER]: portal.memberId }, body);
      expect(foreign.status).toBe(401);
    }
  });

  it('a wrong method on a known path is 405 naming the right one', async () => {
    const portal = stack.sim.portal('one');
    for (const [path, method, allow] of [['/recipients/search?q=a', 'POST', 'GET'], ['/recipients/directory', 'DELETE', 'GET'], ['/audience/preview', 'GET', 'POST'], ['/status', 'PUT', 'GET'], ['/sends', 'DELETE', 'GET, POST'], ['/sends/00000000-0000-7000-8000-000000000000/cancel', 'GET', 'POST'], ['/message/check', 'GET', 'POST']] as const) {
      const response = await fetch(`${stack.appUrl}/api${path}`, { method, headers: asAdmin(portal) });
      expect([response.status, response.headers.get('allow')], `${method} ${path}`).toEqual([405, allow]);
    }
  });

  it('Bitrix24 refusals come back through the error table; an expired token asks the frame to renew it', async () => {
    const portal = stack.sim.portal('one');
    const headers = asAdmin(portal);
    // A refusal for the limit is tried again (Bitrix24 ran nothing); one that persists is reported.
    portal.injectFault({ method: 'user.search', count: 1, httpStatus: 503, error: 'QUERY_LIMIT_EXCEEDED', description: 'Too many requests' });
    expect((await call('/recipients/search?q=a', headers)).status).toBe(200);
    portal.injectFault({ method: 'user.search', count: 3, httpStatus: 503, error: 'QUERY_LIMIT_EXCEEDED', description: 'Too many requests' });
    const limited = await call('/recipients/search?q=a', headers);
    expect([limited.status, limited.body.error]).toEqual([503, 'RATE_LIMITED']);
    portal.injectFault({ method: 'batch', count: 1, httpStatus: 401, error: 'expired_token', description: 'The access token provided has expired.' });
    const expired = await call('/recipients/directory', headers);
    expect([expired.status, expired.body.error]).toEqual([401, 'TOKEN_EXPIRED']);
    portal.injectFault({ method: 'user.search', count: 1, httpStatus: 403, error: 'insufficient_scope', description: '' });
    const scope = await call('/recipients/search?q=a', headers);
    expect([scope.status, scope.body.error]).toEqual([403, 'SCOPE_MISSING']);
  });
});

describe('sending to each audience kind', () => {
  it('a department with sub-departments, a group by access code and single users: each active employee gets exactly one push', async () => {
    const portal = stack.sim.portal('one');
    const department = portal.directory.departments.find((d) => d.parent === 1 && portal.directory.departments.some((child) => child.parent === d.id))!;
    const group = portal.directory.groups.find((g) => g.members.length >= 2)!;
    const single = portal.directory.users.filter(isRecipient).at(-1)!;
    const inactive = portal.directory.users.find((user) => !user.active)!;
    const inside = subtree(portal, department.id);
    const expected = new Set(portal.directory.users.filter((user) => isRecipient(user) && user.departments.some((d) => inside.has(d))).map((user) => user.id));
    for (const member of group.members) if (isRecipient(portal.directory.user(member.userId)!)) expected.add(member.userId);
    expected.add(single.id);

    const text = `Audience mix ${randomUUID()}`;
    const audience = { departments: [{ id: department.id, withSubdepartments: true }], accessCodes: [`SG${group.id}`], users: [single.id, inactive.id] };
    const preview = await call('/audience/preview', asAdmin(portal), { audience });
    expect(preview.body.count).toBe(expected.size);
    const sent = await call('/sends', asAdmin(portal), { idempotencyKey: randomUUID(), text, audience });
    expect(sent.status).toBe(201);
    expect(sent.body.send).toMatchObject({ status: 'sent', recipientCount: expected.size, acceptedCount: expected.size, audience });
    const pushed = portal.pushes.filter((push) => push.text === text).map((push) => push.userId);
    expect(pushed.sort((a, b) => a - b)).toEqual([...expected].filter((id) => portal.directory.user(id)!.pushEnabled).sort((a, b) => a - b));
  });

  it('everybody: all active employees; a deleted group fails the send with a clear message and nothing is pushed', async () => {
    const portal = stack.sim.portal('two');
    const text = `Everybody ${randomUUID()}`;
    const sent = await call('/sends', asAdmin(portal), { idempotencyKey: randomUUID(), text, audience: { accessCodes: ['AU'] } });
    expect(sent.status).toBe(201);
    expect((sent.body.send as { recipientCount: number }).recipientCount).toBe(portal.directory.users.filter(isRecipient).length);

    const failed = await call('/sends', asAdmin(portal), { idempotencyKey: randomUUID(), text: 'Group gone', audience: { groups: [424_242] } });
    expect(failed.status).toBe(422);
    expect(failed.body).toMatchObject({ error: 'GROUP_NOT_FOUND', send: { status: 'failed' } });
    expect(portal.pushes.some((push) => push.text === 'Group gone')).toBe(false);
  });
});
