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
      ],
    });
    expect(await postInstall(stack.sim.portal('known'))).toBe(200);
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
});
