import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSimulator } from '../../simulator/testSupport.js';
import type { SimulatorImpl } from '../../simulator/simulator.js';
import type { SimPortal } from '../../simulator/contract.js';
import { isRecipient, recipientsIn, subtree } from '../../test/support/directory.js';
import { callRest } from '../bitrix/restClient.js';
import type { CallRest } from '../bitrix/batch.js';
import { AudienceError } from './audienceErrors.js';
import { audienceSchema } from './audienceSchema.js';
import { createDepartmentTreeCache } from './departmentTreeCache.js';
import { resolveAudience } from './resolveAudience.js';

/** Audience resolution against the portal simulator's seeded directories. */

let sim: SimulatorImpl;

beforeAll(async () => {
  ({ sim } = await startTestSimulator({
    portals: [
      { label: 'small', users: 300, seed: 7, preinstalled: true, rateLimit: { burst: 10_000, drainPerSecond: 1_000 } },
      { label: 'large', users: 10_433, seed: 3, preinstalled: true },
    ],
  }));
});

afterAll(async () => {
  await sim?.close();
});

function adminCaller(portal: SimPortal): CallRest {
  const admin = portal.directory.users.find((user) => user.admin && user.active)!;
  const token = portal.issueTokens(admin.id).access_token;
  return (method, params) => callRest(portal.clientEndpoint, method, params, token);
}


const expectedIn = recipientsIn;

describe('audience resolution', () => {
  it('everybody: every active employee once, no extranet, e-mail, bot or deactivated user', async () => {
    const portal = sim.portal('small');
    const resolved = await resolveAudience(adminCaller(portal), { all: true });
    const expected = portal.directory.users.filter(isRecipient).map((user) => user.id);
    expect(portal.directory.users.some((user) => !isRecipient(user))).toBe(true);
    expect(resolved.userIds).toEqual(expected);
    expect(resolved.sample.length).toBe(10);
    expect(resolved.sample[0]).toMatchObject({ id: expected[0], fullName: expect.any(String) });
    expect(resolved.restCalls).toBe(Math.ceil(expected.length / 2_500));
  });

  it('single employees: the unreachable ones (deactivated, extranet, e-mail, bot, unknown) are named, not sent to', async () => {
    const portal = sim.portal('small');
    const employee = portal.directory.users.find((user) => isRecipient(user) && user.id > 3)!;
    const outsiders = ['extranet', 'email', 'bot'].map((type) => portal.directory.users.find((user) => user.type === type)!.id);
    const inactive = portal.directory.users.find((user) => !user.active)!.id;
    const resolved = await resolveAudience(adminCaller(portal), { users: [employee.id, employee.id, ...outsiders, inactive, 999_999] });
    expect(resolved.userIds).toEqual([employee.id]);
    expect(resolved.unreachableUsers).toEqual([...outsiders, inactive, 999_999].sort((a, b) => a - b));
  });

  it('a department alone, or with its sub-departments (the tree walked in the same resolution)', async () => {
    const portal = sim.portal('small');
    const parent = portal.directory.departments.find((d) => d.parent === 1 && portal.directory.departments.some((child) => child.parent === d.id))!;
    const direct = await resolveAudience(adminCaller(portal), { departments: [{ id: parent.id, withSubdepartments: false }] });
    expect(direct.userIds).toEqual(expectedIn(portal, new Set([parent.id])));
    const withSubs = await resolveAudience(adminCaller(portal), { accessCodes: [`DR${parent.id}`] });
    expect(withSubs.userIds).toEqual(expectedIn(portal, subtree(portal, parent.id)));
    expect(withSubs.userIds.length).toBeGreaterThan(direct.userIds.length);
  });

  it("a department's head is in its audience even when the head's own department is elsewhere (as the portal gives D and DR codes)", async () => {
    const portal = sim.portal('small');
    const department = portal.directory.departments.find((d) => d.head !== null && !portal.directory.user(d.head)!.departments.includes(d.id))!;
    const head = department.head!;
    const direct = await resolveAudience(adminCaller(portal), { accessCodes: [`D${department.id}`] });
    expect(direct.userIds).toContain(head);
    expect(direct.userIds).toEqual(expectedIn(portal, new Set([department.id])));
    const withSubs = await resolveAudience(adminCaller(portal), { departments: [{ id: department.id, withSubdepartments: true }] });
    expect(withSubs.userIds).toContain(head);
  });

  it('groups by id and by access code with a role: members only (owner only for _A), checked to be active employees', async () => {
    const portal = sim.portal('small');
    const group = portal.directory.groups.find((g) => g.members.length >= 3 && g.members.some((m) => m.role !== 'A'))!;
    const members = (roles: string[]) =>
      group.members
        .filter((m) => roles.includes(m.role) && isRecipient(portal.directory.user(m.userId)!))
        .map((m) => m.userId)
        .sort((a, b) => a - b);
    expect((await resolveAudience(adminCaller(portal), { groups: [group.id] })).userIds).toEqual(members(['A', 'E', 'K']));
    expect((await resolveAudience(adminCaller(portal), { accessCodes: [`SG${group.id}_A`] })).userIds).toEqual(members(['A']));
  });

  it('a mix of everything, de-duplicated, in one batch call plus one for the department users', async () => {
    const portal = sim.portal('small');
    const group = portal.directory.groups[0]!;
    const department = portal.directory.departments.find((d) => d.parent === 1)!;
    const someone = portal.directory.users.find((user) => isRecipient(user) && user.departments.includes(department.id))!;
    portal.resetCounters();
    const resolved = await resolveAudience(adminCaller(portal), {
      users: [someone.id, 2],
      accessCodes: [`U${someone.id}`, `D${department.id}`, `SG${group.id}`],
      groups: [group.id],
    });
    const expected = new Set([someone.id, 2, ...expectedIn(portal, new Set([department.id]))]);
    for (const member of group.members) if (isRecipient(portal.directory.user(member.userId)!)) expected.add(member.userId);
    expect(resolved.userIds).toEqual([...expected].sort((a, b) => a - b));
    expect(new Set(resolved.userIds).size).toBe(resolved.userIds.length);
    // Round 1: explicit users, the department tree, the group; round 2: department users and group members.
    expect(portal.counters().batch).toBe(2);
  });

  it('departments and groups the portal does not have are named in the error', async () => {
    const portal = sim.portal('small');
    await expect(resolveAudience(adminCaller(portal), { departments: [{ id: 987_654, withSubdepartments: true }, { id: 1, withSubdepartments: false }] })).rejects.toEqual(
      new AudienceError('DEPARTMENT_NOT_FOUND', [987_654]),
    );
    await expect(resolveAudience(adminCaller(portal), { groups: [876_543, portal.directory.groups[0]!.id] })).rejects.toMatchObject({ code: 'GROUP_NOT_FOUND', ids: [876_543] });
  });

  it('a 10,000-employee department with its sub-departments: 4 batch calls once the tree is known (as after a preview), one more to read it', async () => {
    const portal = sim.portal('large');
    const expected = expectedIn(portal, subtree(portal, 1));
    // Seed 3 with 10,433 users puts exactly 10,000 active employees under the root department.
    expect(expected.length).toBe(10_000);
    const treeCache = createDepartmentTreeCache();
    const call = adminCaller(portal);

    portal.resetCounters();
    const cold = await resolveAudience(call, { departments: [{ id: 1, withSubdepartments: true }] }, { memberId: portal.memberId, treeCache });
    expect(cold.userIds).toEqual(expected);
    const coldCalls = portal.counters().batch;

    portal.resetCounters();
    const warm = await resolveAudience(call, { accessCodes: ['DR1'] }, { memberId: portal.memberId, treeCache });
    expect(warm.userIds).toEqual(expected);
    const warmCalls = portal.counters().batch ?? 0;
    expect(warmCalls).toBe(4);
    // Reading the tree costs one call more, never a call per department.
    expect(coldCalls).toBe(warmCalls + 1);
  });
});

describe('audience schema', () => {
  const problem = (value: unknown) => {
    const parsed = audienceSchema.safeParse(value);
    return parsed.success ? null : parsed.error.issues[0]!.message;
  };

  it('takes every kind, alone or mixed', () => {
    for (const audience of [{ all: true }, { users: [5] }, { departments: [{ id: 3 }] }, { groups: [7] }, { accessCodes: ['U5', 'IU5', 'D3', 'DR3', 'SG7', 'SG7_K', 'AU'] }]) {
      expect(problem(audience)).toBeNull();
    }
  });

  it('refuses what cannot be sent to, with a message an administrator understands', () => {
    expect(problem({})).toBe('Choose at least one recipient.');
    expect(problem({ users: [] })).toBe('Choose at least one recipient.');
    expect(problem({ all: false })).toBe('Choose at least one recipient.');
    expect(problem({ users: [0] })).toMatch(/positive/);
    expect(problem({ users: [1.5] })).toMatch(/whole/);
    expect(problem({ users: ['5'] })).toMatch(/numbers/);
    expect(problem({ accessCodes: ['G2'] })).toMatch(/Only access codes/);
    expect(problem({ accessCodes: ['U0'] })).toMatch(/Only access codes/);
    expect(problem({ users: Array.from({ length: 5_001 }, (_, i) => i + 1) })).toMatch(/at most 5000/);
    expect(problem({ departments: [{ id: 3, extra: 1 }] })).not.toBeNull();
    expect(problem({ everyone: true })).not.toBeNull();
    expect(problem([5])).toMatch(/object/);
  });
});
