import { afterAll, beforeAll, expect, it } from 'vitest';
import { Router } from 'express';
import type { Stack } from '../../scripts/stack.js';
import { ManualClock } from '../../simulator/index.js';
import type { SimPortal } from '../../simulator/contract.js';
import { forEachDatabase } from '../../test/support/databases.js';
import { MEMBER_ID_HEADER } from './frameAuth.js';
import { firstAdmin, postInstall } from '../../test/support/directory.js';
import { startStackOnClock } from '../../test/support/stacks.js';

/** Who may call /api/: through the simulator, on SQLite and PostgreSQL. */
forEachDatabase('frame API authentication', (getDb) => {
  let stack: Stack;
  const clock = new ManualClock(Date.UTC(2026, 10, 23, 8));

  beforeAll(async () => {
    stack = await startStackOnClock(getDb(), clock, {
      portals: [
        { label: 'one', users: 20 },
        { label: 'two', users: 20 },
        { label: 'never-installed', users: 5 },
        { label: 'attacked', users: 20 },
        { label: 'busy', users: 20 },
        { label: 'sprayed', users: 20 },
        { label: 'renamed', users: 20 },
      ],
    });
    for (const label of ['one', 'two', 'attacked', 'busy', 'sprayed', 'renamed']) expect(await postInstall(stack.sim.portal(label))).toBe(200);
  });

  afterAll(async () => {
    await stack?.close();
  });

  const admin = firstAdmin;
  const employee = (portal: SimPortal) => portal.directory.users.find((user) => !user.admin && user.active && user.type === 'employee')!;
  const status = (headers: Record<string, string>) => fetch(`${stack.appUrl}/api/status`, { headers });
  const as = (portal: SimPortal, userId: number, memberId = portal.memberId) => ({ Authorization: `Bearer ${portal.issueTokens(userId).access_token}`, [MEMBER_ID_HEADER]: memberId });

  it('an admin of an installed portal gets their status; the browser’s own claims are ignored', async () => {
    const portal = stack.sim.portal('one');
    const response = await status({ ...as(portal, admin(portal).id), 'X-B24-Is-Admin': 'N', 'X-B24-Domain': 'evil.example' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      user: { id: admin(portal).id, isAdmin: true },
      portal: { installState: 'new', appName: 'Team Push' },
      callerAuthorization: 'live',
      liveAdmins: 1,
      missingScopes: [],
    });
  });

  it('a non-admin is recognised as such', async () => {
    const portal = stack.sim.portal('one');
    const response = await status(as(portal, employee(portal).id));
    expect(await response.json()).toMatchObject({ user: { id: employee(portal).id, isAdmin: false }, callerAuthorization: 'none' });
  });

  it('answers 401 without a token, with an unknown or never-installed portal, or with a bad token', async () => {
    const portal = stack.sim.portal('one');
    expect((await status({})).status).toBe(401);
    expect((await status({ Authorization: 'Bearer abcdefghijk' })).status).toBe(401);
    const unknown = await status(as(portal, admin(portal).id, 'ffffffffffffffffffffffffffffffff'));
    expect([unknown.status, ((await unknown.json()) as { error: string }).error]).toEqual([401, 'UNKNOWN_PORTAL']);
    const never = stack.sim.portal('never-installed');
    expect((await status(as(never, admin(never).id))).status).toBe(401);
    const bad = await status({ Authorization: `Bearer ${'x'.repeat(60)}`, [MEMBER_ID_HEADER]: portal.memberId });
    expect([bad.status, ((await bad.json()) as { error: string }).error]).toEqual([401, 'BAD_TOKEN']);
  });

  it('a token of another portal is refused (checked at the stored portal, not where the token came from)', async () => {
    const one = stack.sim.portal('one');
    const two = stack.sim.portal('two');
    const foreign = { Authorization: `Bearer ${two.issueTokens(admin(two).id).access_token}`, [MEMBER_ID_HEADER]: one.memberId };
    const response = await status(foreign);
    expect([response.status, ((await response.json()) as { error: string }).error]).toEqual([401, 'BAD_TOKEN']);
  });

  it('an expired token gets TOKEN_EXPIRED so the frame renews it', async () => {
    const portal = stack.sim.portal('two');
    const headers = as(portal, admin(portal).id);
    clock.advance(2 * 3_600_000);
    const response = await status(headers);
    expect([response.status, ((await response.json()) as { error: string }).error]).toEqual([401, 'TOKEN_EXPIRED']);
  });

  it('checks a token once, then reuses the answer for a short while', async () => {
    const portal = stack.sim.portal('one');
    const headers = as(portal, admin(portal).id);
    portal.resetCounters();
    for (let i = 0; i < 5; i += 1) expect((await status(headers)).status).toBe(200);
    expect(portal.counters().profile).toBe(1);
    clock.advance(61_000);
    expect((await status(headers)).status).toBe(200);
    expect(portal.counters().profile).toBe(2);
  });

  it('one token, one check: 60 concurrent requests with the same new token make one profile call and no 429, from one address or many', async () => {
    const portal = stack.sim.portal('two');
    for (const addresses of [['198.51.100.7'], Array.from({ length: 60 }, (_, i) => `198.51.100.${i + 10}`)]) {
      clock.advance(120_000);
      const headers = as(portal, admin(portal).id);
      portal.resetCounters();
      const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => status(from(addresses[i % addresses.length]!, headers))));
      expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 60 }, () => 200));
      expect(portal.counters().profile).toBe(1);
    }
  });

  it('garbage tokens cannot spend a portal’s REST budget: a refused token is remembered, and checks per portal are bounded', async () => {
    const portal = stack.sim.portal('two');
    const bogus = { Authorization: `Bearer ${'z'.repeat(40)}`, [MEMBER_ID_HEADER]: portal.memberId };
    clock.advance(120_000);
    portal.resetCounters();
    expect((await status(bogus)).status).toBe(401);
    expect((await status(bogus)).status).toBe(401);
    expect(portal.counters().profile).toBe(1);
    const answers: number[] = [];
    for (let i = 0; i < 40; i += 1) answers.push((await status({ ...bogus, Authorization: `Bearer bogus-token-${i}-${'x'.repeat(20)}` })).status);
    expect(answers.filter((code) => code === 429).length).toBeGreaterThan(0);
    expect(portal.counters().profile).toBeLessThanOrEqual(31);
    // The portal's real admins are not locked out for long: the bucket refills.
    clock.advance(60_000);
    expect((await status(as(portal, admin(portal).id))).status).toBe(200);
  });

  /** A request as if from `address` (the app trusts X-Forwarded-For from its loopback proxy only). */
  const from = (address: string, headers: Record<string, string>) => ({ ...headers, 'X-Forwarded-For': address });

  it('garbage from one address cannot lock out a real admin signing in from another, at once or under a steady stream', async () => {
    const portal = stack.sim.portal('attacked');
    clock.advance(120_000);
    const garbage = (i: number) => from('203.0.113.7', { Authorization: `Bearer garbage-${i}-${'q'.repeat(24)}`, [MEMBER_ID_HEADER]: portal.memberId });
    for (let i = 0; i < 40; i += 1) await status(garbage(i));
    expect((await status(from('198.51.100.2', as(portal, admin(portal).id)))).status).toBe(200);
    // 10 garbage tokens a second from that address, and a real sign-in (a fresh token) every second.
    const real: number[] = [];
    for (let second = 0; second < 10; second += 1) {
      for (let i = 0; i < 10; i += 1) await status(garbage(1000 + second * 10 + i));
      real.push((await status(from('198.51.100.2', as(portal, admin(portal).id)))).status);
      clock.advance(1000);
    }
    expect(real).toEqual(Array.from({ length: 10 }, () => 200));
  });

  it('a concurrent flood of garbage from one address reaches the portal at most ten times', async () => {
    const portal = stack.sim.portal('attacked');
    clock.advance(120_000);
    portal.resetCounters();
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => status(from('203.0.113.99', { Authorization: `Bearer flood-${i}-${'f'.repeat(24)}`, [MEMBER_ID_HEADER]: portal.memberId }))));
    expect(answers.filter((answer) => answer.status === 429).length).toBeGreaterThanOrEqual(30);
    expect(portal.counters().profile ?? 0).toBeLessThanOrEqual(10);
  });

  it('good tokens cost an address nothing: 25 sign-ins from one office address all pass', async () => {
    const portal = stack.sim.portal('attacked');
    clock.advance(120_000);
    const answers: number[] = [];
    for (let i = 0; i < 25; i += 1) answers.push((await status(from('192.0.2.10', as(portal, i % 2 === 0 ? admin(portal).id : employee(portal).id)))).status);
    expect(answers).toEqual(Array.from({ length: 25 }, () => 200));
  });

  it('a token Bitrix24 accepted within the hour is checked again without waiting behind garbage from many addresses', async () => {
    const portal = stack.sim.portal('attacked');
    clock.advance(120_000);
    const proven = from('198.51.100.3', as(portal, admin(portal).id));
    expect((await status(proven)).status).toBe(200);
    clock.advance(61_000); // past the answer's reuse: the next call checks the token again
    const spread: number[] = [];
    for (let i = 0; i < 80; i += 1) spread.push((await status(from(`203.0.113.${i + 1}`, { Authorization: `Bearer spread-${i}-${'w'.repeat(24)}`, [MEMBER_ID_HEADER]: portal.memberId }))).status);
    expect(spread).toContain(429); // the portal's share is used up...
    expect((await status(proven)).status).toBe(200); // ...but not for a token it has accepted before
  });

  it('garbage at 10 a second, each from another address of one IPv6 /64: a real admin’s fresh token is accepted every time, and the portal hears of the garbage a few times only', async () => {
    const portal = stack.sim.portal('sprayed');
    clock.advance(120_000);
    const profileCalls = () => portal.requestLog.filter((entry) => entry.method === 'profile' && entry.error).length;
    const before = profileCalls();
    const real: number[] = [];
    for (let second = 0; second < 20; second += 1) {
      for (let i = 0; i < 10; i += 1) {
        const n = second * 10 + i;
        await status(from(`2001:db8:bad:7:${n.toString(16)}::${(n + 1).toString(16)}`, { Authorization: `Bearer rotating-${n}-${'r'.repeat(24)}`, [MEMBER_ID_HEADER]: portal.memberId }));
      }
      // Each time a new token (the frame renews it), from an address the admin never signed in from before.
      real.push((await status(from(`2001:db8:600d:${second.toString(16)}::1`, as(portal, admin(portal).id)))).status);
      clock.advance(1000);
    }
    expect(real).toEqual(Array.from({ length: 20 }, () => 200));
    // 10 at once, then one per 2 s (a fixed window's edge may let a burst through twice).
    expect(profileCalls() - before).toBeLessThanOrEqual(2 * (10 + 0.5 * 20));
  });

  it('garbage at 10 a second from ever new IPv4 addresses uses up the portal’s shared check budget, yet a real admin’s fresh token from their usual network is accepted every time', async () => {
    const portal = stack.sim.portal('sprayed');
    clock.advance(120_000);
    const office = '198.51.100.77';
    expect((await status(from(office, as(portal, admin(portal).id)))).status).toBe(200); // the admin worked from here before
    clock.advance(120_000);
    const garbage: number[] = [];
    const real: number[] = [];
    for (let second = 0; second < 20; second += 1) {
      for (let i = 0; i < 10; i += 1) {
        const n = second * 10 + i;
        garbage.push((await status(from(`10.${n >> 8}.${n & 0xff}.9`, { Authorization: `Bearer botnet-${n}-${'b'.repeat(24)}`, [MEMBER_ID_HEADER]: portal.memberId }))).status);
      }
      real.push((await status(from(office, as(portal, admin(portal).id)))).status);
      clock.advance(1000);
    }
    expect(garbage).toContain(429); // the portal's shared budget did run out...
    expect(real).toEqual(Array.from({ length: 20 }, () => 200)); // ...but not for a network a token of the portal was accepted from
  });

  it('a renamed portal: a fresh frame token is accepted without an app-page opening, the new address coming from the OAuth server', async () => {
    const portal = stack.sim.portal('renamed');
    const before = stack.sim.oauth.refreshCount(portal.memberId);
    await portal.rename();
    const response = await status(as(portal, admin(portal).id));
    expect(response.status).toBe(200);
    expect((await stack.store.getPortal(portal.memberId))!.clientEndpoint).toBe(portal.clientEndpoint);
    expect(stack.sim.oauth.refreshCount(portal.memberId)).toBe(before);
    // A garbage token meanwhile is refused, and names no address.
    await portal.rename();
    const bogus = await status({ Authorization: `Bearer ${'m'.repeat(40)}`, [MEMBER_ID_HEADER]: portal.memberId });
    expect([bogus.status, ((await bogus.json()) as { error: string }).error]).toEqual([401, 'BAD_TOKEN']);
    expect((await stack.store.getPortal(portal.memberId))!.clientEndpoint).not.toBe(portal.clientEndpoint);
    expect((await status(as(portal, admin(portal).id))).status).toBe(200);
  });

  it('a QUERY_LIMIT_EXCEEDED on the token check is waited out and retried; only a portal that stays saturated fails the request', async () => {
    const portal = stack.sim.portal('busy');
    portal.injectFault({ method: 'profile', count: 2, httpStatus: 503, error: 'QUERY_LIMIT_EXCEEDED', description: 'Too many requests' });
    expect((await status(as(portal, admin(portal).id))).status).toBe(200);
    portal.injectFault({ method: 'profile', count: 3, httpStatus: 503, error: 'QUERY_LIMIT_EXCEEDED', description: 'Too many requests' });
    const saturated = await status(as(portal, admin(portal).id));
    expect(saturated.status).toBe(503);
    portal.clearFaults();
  });

  it('after an uninstall the portal’s callers are refused at once, cached or not', async () => {
    const portal = stack.sim.portal('two');
    const headers = as(portal, admin(portal).id);
    expect((await status(headers)).status).toBe(200);
    await stack.store.markUninstalled(portal.memberId);
    expect((await status(headers)).status).toBe(401);
  });

  it('requireAdmin refuses a non-admin with the meaning of Bitrix24’s ACCESS_ERROR', async () => {
    const { requireAdmin, frameAuth } = await import('./frameAuth.js');
    const { default: express } = await import('express');
    const probe = express().use(frameAuth({ store: stack.store, logger: (await import('../logger.js')).createLogger({ level: 'silent' }), now: () => clock.now() }), Router().post('/admin-only', requireAdmin, (_req, res) => res.json({ ok: true })));
    const server = probe.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/admin-only`;
    try {
      const portal = stack.sim.portal('one');
      const refused = await fetch(url, { method: 'POST', headers: as(portal, employee(portal).id) });
      expect([refused.status, ((await refused.json()) as { error: string }).error]).toEqual([403, 'NOT_ADMIN']);
      expect((await fetch(url, { method: 'POST', headers: as(portal, admin(portal).id) })).status).toBe(200);
    } finally {
      server.close();
    }
  });
});
