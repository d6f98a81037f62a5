import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Stack } from '../../scripts/stack.js';
import { ManualClock } from '../../simulator/index.js';
import { forEachDatabase } from '../../test/support/databases.js';
import { firstAdmin, postInstall } from '../../test/support/directory.js';
import { startStackOnClock } from '../../test/support/stacks.js';

/**
 * Unauthenticated requests that make the app verify an opening at the OAuth server (the install POST,
 * the app page POST, ONAPPINSTALL for an unknown portal: a token check, or a refresh with our
 * client_secret where nothing else proves the portal) spend a small, fixed share at most.
 */
forEachDatabase('opening verification budget', (getDb) => {
  let stack: Stack;
  const clock = new ManualClock(Date.now());

  beforeAll(async () => {
    stack = await startStackOnClock(getDb(), clock, {
      portals: [
        { label: 'target', users: 12 },
        { label: 'known', users: 12 },
        { label: 'late', users: 12 },
        ...Array.from({ length: 5 }, (_, i) => ({ label: `newcomer-${i}`, users: 12 })),
        { label: 'steady', users: 12 },
      ],
    });
    expect(await postInstall(stack.sim.portal('known'))).toBe(200);
    expect(await postInstall(stack.sim.portal('steady'))).toBe(200);
  });

  afterAll(async () => {
    await stack?.close();
  });

  const adminOf = firstAdmin;
  /** Verification work at the OAuth server: token checks and refresh grants. */
  const grants = () => stack.sim.oauth.requestLog.filter((entry) => entry.method === 'oauth/token' || entry.method === 'app.info').length;
  const forged = (i: number) => ({ AUTH_ID: `forged-access-${i}-${'a'.repeat(20)}`, REFRESH_ID: `forged-refresh-${i}-${'r'.repeat(20)}` });
  const postForm = (path: string, address: string, fields: Record<string, string>) =>
    fetch(`${stack.appUrl}${path}`, { method: 'POST', headers: { 'X-Forwarded-For': address }, body: new URLSearchParams(fields) });

  it('200 forged install POSTs from one address make at most 5 grants; a genuine install from elsewhere still goes through', async () => {
    const target = stack.sim.portal('target');
    const before = grants();
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => postForm('/install', '203.0.113.5', { ...forged(i), member_id: target.memberId })));
    expect(grants() - before).toBeLessThanOrEqual(5);
    expect(answers.every((answer) => answer.status === 401 || answer.status === 429)).toBe(true);
    expect(answers.filter((answer) => answer.status === 429).length).toBeGreaterThanOrEqual(195);
    expect(answers.find((answer) => answer.status === 429)!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await stack.store.getPortal(target.memberId)).toBeNull();
    const genuine = target.openFrame(adminOf(target).id, 'INSTALL');
    expect((await postForm('/install', '198.51.100.20', genuine.fields)).status).toBe(200);
  });

  it('forged openings from many addresses are capped overall; the budget comes back with time', async () => {
    clock.advance(120_000);
    const before = grants();
    const answers: number[] = [];
    for (let i = 0; i < 120; i += 1) answers.push((await postForm('/install', `203.0.114.${i + 1}`, { ...forged(1000 + i), member_id: 'f'.repeat(32) })).status);
    expect(grants() - before).toBeLessThanOrEqual(50);
    expect(answers.filter((status) => status === 429).length).toBeGreaterThanOrEqual(70);
    const late = stack.sim.portal('late');
    const genuine = late.openFrame(adminOf(late).id, 'INSTALL');
    clock.advance(10_000);
    expect((await postForm('/install', '198.51.100.21', genuine.fields)).status).toBe(200);
  });

  it('forged app-page POSTs for a known portal and forged ONAPPINSTALL for unknown portals spend at most 5 grants from one address', async () => {
    clock.advance(120_000);
    const known = stack.sim.portal('known');
    const before = grants();
    const pages = await Promise.all(Array.from({ length: 50 }, (_, i) => postForm('/', '203.0.113.6', { ...forged(2000 + i), member_id: known.memberId })));
    expect(pages.every((page) => page.status === 200)).toBe(true); // the page is served; only the tokens are not kept
    expect(grants() - before).toBeLessThanOrEqual(5);
    // A known portal's opening is checked at the portal itself: those checks are bounded alike.
    expect(known.requestLog.filter((entry) => entry.method === 'profile' && entry.at >= clock.now()).length).toBeLessThanOrEqual(5);
    const events = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        postForm('/events', '203.0.113.7', { event: 'ONAPPINSTALL', 'auth[member_id]': `${'e'.repeat(30)}${String(i).padStart(2, '0')}`, 'auth[access_token]': forged(3000 + i).AUTH_ID, 'auth[refresh_token]': forged(3000 + i).REFRESH_ID, 'auth[application_token]': 'x'.repeat(32) }),
      ),
    );
    expect(events.every((event) => event.status === 401 || event.status === 429)).toBe(true);
    expect(grants() - before).toBeLessThanOrEqual(10);
  });

  /** Work the OAuth server did for tokens it refused: what forged openings cost us. */
  const refusedAtOAuth = () => stack.sim.oauth.requestLog.filter((entry) => (entry.method === 'oauth/token' || entry.method === 'app.info') && entry.httpStatus !== 200).length;

  it('forged installs at 4 a second, each from another address of one IPv6 /64: genuine installs of other portals pass every time, and the OAuth server hears of the forgeries a few times only', async () => {
    clock.advance(120_000);
    const before = refusedAtOAuth();
    const genuine: number[] = [];
    for (let second = 0; second < 30; second += 1) {
      const forgeries = Array.from({ length: 4 }, (_, i) => {
        const n = second * 4 + i;
        return postForm('/install', `2001:db8:bad:1:${((n * 7919) % 0x10000).toString(16)}:${n.toString(16)}::${(n + 1).toString(16)}`, { ...forged(4000 + n), member_id: `${'d'.repeat(28)}${String(n).padStart(4, '0')}` });
      });
      await Promise.all(forgeries);
      // Every second an admin installs one of five new portals (unknown the first time, then known).
      const portal = stack.sim.portal(`newcomer-${second % 5}`);
      const opening = portal.openFrame(adminOf(portal).id, 'INSTALL');
      genuine.push((await postForm('/install', `198.51.100.${40 + (second % 5)}`, opening.fields)).status);
      clock.advance(1000);
    }
    expect(genuine).toEqual(Array.from({ length: 30 }, () => 200));
    // 5 at once, then one per 10 s (a fixed window's edge may let a burst through twice).
    expect(refusedAtOAuth() - before).toBeLessThanOrEqual(16);
  });

  it('forged openings for unknown portals from many IPv4 networks use up the overall budget, yet an admin of a known portal is never refused for it', async () => {
    clock.advance(120_000);
    const answers: number[] = [];
    for (let i = 0; i < 120; i += 1) answers.push((await postForm('/install', `192.0.2.${i + 1}`, { ...forged(5000 + i), member_id: `${'c'.repeat(28)}${String(i).padStart(4, '0')}` })).status);
    expect(answers.filter((status) => status === 429).length).toBeGreaterThanOrEqual(60);
    const steady = stack.sim.portal('steady');
    const admin = adminOf(steady);
    // A reinstall of a portal we know: proven at the portal, not at the OAuth server.
    expect((await postForm('/install', '198.51.100.50', steady.openFrame(admin.id, 'INSTALL').fields)).status).toBe(200);
    // The app page keeps the opener's fresh tokens: the opening was verified, not skipped for want of budget.
    const page = steady.openFrame(admin.id);
    expect((await postForm('/', '198.51.100.51', page.fields)).status).toBe(200);
    expect((await stack.store.getUserTokens(steady.memberId, admin.id))?.accessToken).toBe(page.fields.AUTH_ID);
  });
});

