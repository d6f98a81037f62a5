import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Stack } from '../../scripts/stack.js';
import { ManualClock } from '../../simulator/index.js';
import type { SimPortal } from '../../simulator/contract.js';
import { forEachDatabase } from '../../test/support/databases.js';
import { installFully as installThroughPortal, postOpening as post } from '../../test/support/installation.js';
import { createSendStore } from '../storage/sendStore.js';
import { firstAdmin } from '../../test/support/directory.js';
import { startStackOnClock } from '../../test/support/stacks.js';
import { rest } from '../../simulator/testSupport.js';

const DAY = 86_400_000;

/**
 * ONAPPUNINSTALL as an attacker and as Bitrix24 send it. Every employee can read the application token
 * (Bitrix24 posts it to the app page of whoever opens it), so the token alone must destroy nothing.
 */
forEachDatabase('uninstall', (getDb) => {
  let stack: Stack;
  const clock = new ManualClock(Date.now());

  beforeAll(async () => {
    stack = await startStackOnClock(getDb(), clock, {
      purgeSweepMs: 20,
      portals: [
        { label: 'forged', users: 20 },
        { label: 'coalesced', users: 12 },
        { label: 'real-clean', users: 12 },
        { label: 'reinstalled', users: 12 },
        { label: 'kept', users: 12 },
        { label: 'reopened', users: 12 },
        { label: 'dismissed', users: 12 },
        { label: 'stale-admins', users: 12 },
        { label: 'expired-real', users: 12 },
        { label: 'unreachable', users: 12 },
        { label: 'forgetful', users: 12 },
        { label: 'restored-admins', users: 12 },
        { label: 'scheduled', users: 12 },
        { label: 'lost-event', users: 12 },
        { label: 'lost-event-frame', users: 12 },
        { label: 'aged', users: 12 },
      ],
    });
    for (const portal of stack.sim.portals) await installFully(portal);
  });

  afterAll(async () => {
    await stack?.close();
  });

  const adminOf = firstAdmin;
  const employeeOf = (portal: SimPortal) => portal.directory.users.find((user) => !user.admin && user.active && user.type === 'employee')!;

  async function installFully(portal: SimPortal): Promise<void> {
    expect(await installThroughPortal(portal, stack.appUrl)).toBe(200);
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'installed' });
  }

  /** What an employee can do: open the app, read APPLICATION_TOKEN from the page's POST, forge the event. */
  async function forgeUninstall(portal: SimPortal, clean: boolean): Promise<Response> {
    const applicationToken = portal.openFrame(employeeOf(portal).id, 'DEFAULT').fields.APPLICATION_TOKEN!;
    expect(applicationToken).toBe(portal.applicationToken);
    return fetch(`${stack.appUrl}/events`, {
      method: 'POST',
      body: new URLSearchParams({ event: 'ONAPPUNINSTALL', 'data[CLEAN]': clean ? '1' : '0', 'auth[member_id]': portal.memberId, 'auth[application_token]': applicationToken, 'auth[domain]': portal.domain }),
    });
  }

  it("an employee's forged uninstall with the real application token changes nothing, CLEAN or not", async () => {
    const portal = stack.sim.portal('forged');
    const sends = createSendStore(stack.database);
    const { send } = await sends.createSend({ id: crypto.randomUUID(), memberId: portal.memberId, senderId: adminOf(portal).id, idempotencyKey: crypto.randomUUID(), requestHash: 'h', text: 'History', avatar: null, audience: { users: [2] }, testToSelf: false, leaseUntil: clock.now() });
    for (const clean of [true, false]) {
      clock.advance(60_000); // a fresh check for each event
      const response = await forgeUninstall(portal, clean);
      expect([response.status, ((await response.json()) as { error: string }).error]).toEqual([409, 'UNINSTALL_NOT_CONFIRMED']);
    }
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'installed', purgeAfter: null, applicationToken: portal.applicationToken });
    expect(await stack.store.getUserTokens(portal.memberId, adminOf(portal).id)).toMatchObject({ tokenState: 'live' });
    expect(await sends.getSend(portal.memberId, send.id)).not.toBeNull();
    // Bitrix24 was asked, with the admin's stored token, and said the app is there.
    expect(portal.requestLog.filter((entry) => entry.method === 'app.info' && entry.httpStatus === 200).length).toBe(2);
  });

  it('forged events in a burst cost the portal at most one check per 10 seconds, not one each', async () => {
    const portal = stack.sim.portal('coalesced');
    clock.advance(60_000);
    const checks = () => portal.requestLog.filter((entry) => entry.method === 'app.info');
    const before = checks().length;
    const startedAt = clock.now();
    const answers = await Promise.all(Array.from({ length: 20 }, () => forgeUninstall(portal, true)));
    expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 20 }, () => 409));
    // However the events arrive, the portal sees its checks at least 10 s apart on its own clock, each after the burst began.
    const made = checks().slice(before).map((entry) => entry.at);
    expect(made.length).toBeGreaterThanOrEqual(1);
    expect(made[0]).toBeGreaterThanOrEqual(startedAt);
    for (let i = 1; i < made.length; i += 1) expect(made[i]! - made[i - 1]!).toBeGreaterThanOrEqual(10_000);
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'installed' });
  });

  it('a real uninstall with CLEAN is honoured: uninstalled at once (tokens left as they are), data deleted only after the grace period', async () => {
    const portal = stack.sim.portal('real-clean');
    const uninstalledAt = clock.now();
    await portal.uninstall({ clean: true });
    expect(portal.events.at(-1)).toMatchObject({ event: 'ONAPPUNINSTALL', responseStatus: 200 });
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'uninstalled', purgeAfter: uninstalledAt + 7 * DAY, uninstallReport: null });
    expect(await stack.store.getUserTokens(portal.memberId, adminOf(portal).id)).toMatchObject({ tokenState: 'live' });
    clock.advance(6 * DAY);
    await new Promise((resolve) => setTimeout(resolve, 100)); // several sweeps
    expect(await stack.store.getPortal(portal.memberId)).not.toBeNull();
    clock.advance(DAY);
    await expect.poll(() => stack.store.getPortal(portal.memberId), { timeout: 5_000 }).toBeNull();
    expect(await stack.store.getUserTokens(portal.memberId, adminOf(portal).id)).toBeNull();
  });

  it('a reinstall within the grace period restores the portal and cancels the purge', async () => {
    const portal = stack.sim.portal('reinstalled');
    await portal.uninstall({ clean: true });
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'uninstalled' });
    clock.advance(3 * DAY);
    await installFully(portal);
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'installed', purgeAfter: null, applicationToken: portal.applicationToken });
    clock.advance(30 * DAY);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'installed' });
  });

  /** An employee's forged ONAPPUNINSTALL with the real application token, as a status and error code. */
  async function forgedAnswer(portal: SimPortal, clean: boolean): Promise<[number, string]> {
    const response = await forgeUninstall(portal, clean);
    const body = (await response.json()) as { error?: string; status?: string };
    return [response.status, body.error ?? body.status ?? ''];
  }

  /** Makes a non-admin employee an admin and has them open the app (their tokens are stored as an admin's). */
  async function anotherAdminOpens(portal: SimPortal, userId?: number): Promise<number> {
    const user = userId === undefined ? employeeOf(portal) : portal.directory.user(userId)!;
    user.admin = true;
    expect((await post(portal.openFrame(user.id, 'DEFAULT'))).status).toBe(200);
    expect(await stack.store.getUserTokens(portal.memberId, user.id)).toMatchObject({ isAdmin: true, tokenState: 'live' });
    return user.id;
  }

  it('the only stored admin dismissed: a forged CLEAN uninstall changes nothing, and is dropped once another admin opens the app', async () => {
    const portal = stack.sim.portal('dismissed');
    const [dismissed, other] = portal.directory.users.filter((user) => user.admin && user.active);
    clock.advance(60_000);
    dismissed!.active = false; // Bitrix24 refuses their token now (authorization_error)
    expect(await forgedAnswer(portal, true)).toEqual([202, 'UNINSTALL_PENDING']);
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'installed', purgeAfter: null, uninstallReport: { clean: true } });
    expect(await stack.store.getUserTokens(portal.memberId, dismissed!.id)).toMatchObject({ tokenState: 'live' });
    await anotherAdminOpens(portal, other!.id);
    clock.advance(60_000);
    await stack.parts.uninstallReports!.recheck();
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'installed', uninstallReport: null });
  });

  it('four admins stored, the three most recent with dead tokens: every admin is asked, the live one proves the app installed', async () => {
    const portal = stack.sim.portal('stale-admins');
    const stale: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      clock.advance(1_000);
      const userId = await anotherAdminOpens(portal);
      stale.push(userId);
      stack.sim.oauth.revokeRefreshToken((await stack.store.getUserTokens(portal.memberId, userId))!.refreshToken);
    }
    clock.advance(2 * 3600_000); // every stored access token has expired: each admin's refresh decides
    expect(await forgedAnswer(portal, true)).toEqual([409, 'UNINSTALL_NOT_CONFIRMED']);
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'installed', purgeAfter: null, uninstallReport: null });
    expect(await stack.store.getUserTokens(portal.memberId, adminOf(portal).id)).toMatchObject({ tokenState: 'live' });
    for (const userId of stale) expect(await stack.store.getUserTokens(portal.memberId, userId)).toMatchObject({ tokenState: 'dead' });
  });

  it("a real uninstall whose stored access tokens expired long ago is recognised by the portal's APPLICATION_NOT_FOUND, without a refresh", async () => {
    const portal = stack.sim.portal('expired-real');
    clock.advance(3 * 3600_000);
    const refreshes = stack.sim.oauth.refreshCount(portal.memberId);
    const uninstalledAt = clock.now();
    await portal.uninstall({ clean: true });
    expect(portal.events.at(-1)).toMatchObject({ event: 'ONAPPUNINSTALL', responseStatus: 200 });
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'uninstalled', purgeAfter: uninstalledAt + 7 * DAY });
    expect(stack.sim.oauth.refreshCount(portal.memberId)).toBe(refreshes);
    expect(portal.requestLog.filter((entry) => entry.method === 'app.info').at(-1)).toMatchObject({ httpStatus: 401 });
  });

  it('a real uninstall Bitrix24 could not confirm at the time is recorded by a later recheck, with the CLEAN it asked for', async () => {
    const portal = stack.sim.portal('unreachable');
    clock.advance(60_000);
    portal.injectFault({ method: 'app.info', count: 1_000, httpStatus: 503, error: 'INTERNAL_SERVER_ERROR', description: 'outage' });
    await portal.uninstall({ clean: true });
    expect(portal.events.at(-1)).toMatchObject({ event: 'ONAPPUNINSTALL', responseStatus: 202 });
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'installed', purgeAfter: null, uninstallReport: { clean: true } });
    await stack.parts.uninstallReports!.recheck();
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'installed', uninstallReport: { clean: true } });
    portal.clearFaults();
    clock.advance(10 * 60_000);
    const recheckedAt = clock.now();
    await stack.parts.uninstallReports!.recheck();
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'uninstalled', uninstallReport: null, purgeAfter: recheckedAt + 7 * DAY });
    // The old application token cancels nothing now: only a verified reinstall or admin opening may.
    const response = await fetch(`${stack.appUrl}/events`, {
      method: 'POST',
      body: new URLSearchParams({ event: 'ONAPPUNINSTALL', 'data[CLEAN]': '0', 'auth[member_id]': portal.memberId, 'auth[application_token]': portal.events.at(-1)!.fields['auth[application_token]']! }),
    });
    expect(response.status).toBe(200);
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'uninstalled', purgeAfter: recheckedAt + 7 * DAY });
  });

  it('if the OAuth server forgot a removed installation\'s tokens (unconfirmed), nothing is destroyed: the report waits, then is dropped', async () => {
    const portal = stack.sim.portal('forgetful');
    clock.advance(60_000);
    await portal.uninstall({ clean: true, forgetTokens: true });
    expect(portal.events.at(-1)).toMatchObject({ event: 'ONAPPUNINSTALL', responseStatus: 202 });
    clock.advance(60_000);
    await stack.parts.uninstallReports!.recheck();
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'installed', purgeAfter: null, uninstallReport: { clean: true } });
    clock.advance(3 * DAY + 60_000);
    await stack.parts.uninstallReports!.recheck();
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'installed', purgeAfter: null, uninstallReport: null });
  });

  it("reports accumulate: one asking to keep the data outweighs any asking to delete it", async () => {
    const portal = stack.sim.portal('forgetful');
    expect(await stack.store.reportUninstall(portal.memberId, { clean: true, at: clock.now(), nextCheckAt: clock.now() + 60_000 })).toBe(true);
    const first = (await stack.store.getPortal(portal.memberId))!.uninstallReport!;
    clock.advance(1_000);
    await stack.store.reportUninstall(portal.memberId, { clean: false, at: clock.now(), nextCheckAt: clock.now() + 60_000 });
    await stack.store.reportUninstall(portal.memberId, { clean: true, at: clock.now(), nextCheckAt: clock.now() + 60_000 });
    expect((await stack.store.getPortal(portal.memberId))!.uninstallReport).toEqual({ reportedAt: first.reportedAt, clean: false });
    const due = { memberId: portal.memberId, reportedAt: first.reportedAt, clean: false, nextCheckAt: first.reportedAt + 60_000 };
    expect(await stack.store.listUninstallReports(first.reportedAt + 59_999, 10)).not.toContainEqual(due);
    expect(await stack.store.listUninstallReports(first.reportedAt + 60_000, 10)).toContainEqual(due);
    // Two processes that saw it due: one takes the check.
    const claims = await Promise.all([1, 2].map(() => stack.store.claimUninstallRecheck(portal.memberId, due.nextCheckAt, due.nextCheckAt + 60_000)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await stack.store.clearUninstallReport(portal.memberId)).toBe(true);
    expect(await stack.store.clearUninstallReport(portal.memberId)).toBe(false);
  });

  it("a recorded uninstall leaves every admin's tokens alone: after a mistaken one, the other admins' authorization still works", async () => {
    const portal = stack.sim.portal('restored-admins');
    const other = await anotherAdminOpens(portal);
    await stack.store.markUninstalled(portal.memberId, { purgeAfter: clock.now() + DAY });
    expect(await stack.store.getUserTokens(portal.memberId, adminOf(portal).id)).toMatchObject({ tokenState: 'live' });
    expect((await post(portal.openFrame(other, 'DEFAULT'))).status).toBe(200);
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'installed', purgeAfter: null });
    await expect(stack.parts.gateway!.callAsUser(portal.memberId, adminOf(portal).id, 'app.info')).resolves.toMatchObject({ result: expect.anything() });
  });

  it('a recorded removal cancels the portal\'s scheduled sends with the reason, and a due one of an uninstalled portal is never claimed', async () => {
    const portal = stack.sim.portal('scheduled');
    const sends = createSendStore(stack.database);
    const schedule = async (sendAt: number) =>
      (await sends.createSend({ id: crypto.randomUUID(), memberId: portal.memberId, senderId: adminOf(portal).id, idempotencyKey: crypto.randomUUID(), requestHash: 'h', text: 'Later', avatar: null, audience: { users: [2] }, testToSelf: false, leaseUntil: clock.now(), sendAt })).send;
    const later = await schedule(clock.now() + DAY);
    clock.advance(60_000);
    await portal.uninstall({ clean: false });
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'uninstalled' });
    expect(await sends.getSend(portal.memberId, later.id)).toMatchObject({ status: 'cancelled', errorCode: 'APP_UNINSTALLED' });
    // One scheduled while the removal was being recorded elsewhere: due, but never claimed.
    const raced = await schedule(clock.now() + 60_000);
    clock.advance(120_000);
    expect((await sends.claimDueScheduledSends(clock.now(), { owner: 'test', until: clock.now() + 15_000 })).map((send) => send.id)).not.toContain(raced.id);
    expect(await sends.getSend(portal.memberId, raced.id)).toMatchObject({ status: 'scheduled' });
  });

  it('an uninstall whose event was lost: a stale app page shows "not installed" (framable by the portal, in its language), and the removal is recorded', async () => {
    const portal = stack.sim.portal('lost-event');
    clock.advance(60_000);
    const staleOpening = portal.openFrame(employeeOf(portal).id, 'DEFAULT'); // a tab left open before the removal
    await rest(portal, 'event.unbind', { event: 'ONAPPUNINSTALL', handler: `${stack.appUrl}/events` }, portal.issueTokens(adminOf(portal).id).access_token);
    await portal.uninstall({ clean: true }); // we never hear of it
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'installed' });
    const inRussian = new URL(staleOpening.action);
    inRussian.searchParams.set('LANG', 'ru'); // Bitrix24 names the portal's language in the handler URL
    const page = await post({ ...staleOpening, action: inRussian.toString() });
    expect(page.status).toBe(404);
    expect(page.headers.get('content-security-policy')).toContain(new URL(portal.clientEndpoint).origin);
    expect(await page.text()).toContain('Администратор портала может установить его (снова) из Маркета Битрикс24.');
    // The portal's own word starts a check with the stored tokens; the removal is recorded, the data kept (no CLEAN was heard).
    await expect.poll(async () => (await stack.store.getPortal(portal.memberId))?.installState, { timeout: 5_000 }).toBe('uninstalled');
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ purgeAfter: null });
  });

  it("an uninstall whose event was lost: a frame's API call is answered 410 APP_NOT_INSTALLED, and the removal is recorded", async () => {
    const portal = stack.sim.portal('lost-event-frame');
    clock.advance(60_000);
    const frameToken = portal.issueTokens(employeeOf(portal).id).access_token;
    await rest(portal, 'event.unbind', { event: 'ONAPPUNINSTALL', handler: `${stack.appUrl}/events` }, portal.issueTokens(adminOf(portal).id).access_token);
    await portal.uninstall({ clean: false });
    const status = await fetch(`${stack.appUrl}/api/status`, { headers: { Authorization: `Bearer ${frameToken}`, 'X-B24-Member-Id': portal.memberId } });
    expect([status.status, ((await status.json()) as { error: string }).error]).toEqual([410, 'APP_NOT_INSTALLED']);
    await expect.poll(async () => (await stack.store.getPortal(portal.memberId))?.installState, { timeout: 5_000 }).toBe('uninstalled');
  });

  it('181 days on, every stored refresh token expired: a forged CLEAN uninstall changes nothing; the real one later is still recognised', async () => {
    const portal = stack.sim.portal('aged');
    clock.advance(181 * DAY);
    expect(await forgedAnswer(portal, true)).toEqual([202, 'UNINSTALL_PENDING']);
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'installed', purgeAfter: null });
    clock.advance(60_000);
    await portal.uninstall({ clean: false });
    expect(portal.events.at(-1)).toMatchObject({ event: 'ONAPPUNINSTALL', responseStatus: 200 });
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'uninstalled', purgeAfter: null });
  });

  it('a real uninstall without CLEAN keeps the data; a forged CLEAN afterwards deletes nothing', async () => {
    const portal = stack.sim.portal('kept');
    await portal.uninstall({ clean: false });
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'uninstalled', purgeAfter: null });
    const response = await fetch(`${stack.appUrl}/events`, {
      method: 'POST',
      body: new URLSearchParams({ event: 'ONAPPUNINSTALL', 'data[CLEAN]': '1', 'auth[member_id]': portal.memberId, 'auth[application_token]': portal.events.at(-1)!.fields['auth[application_token]']! }),
    });
    expect(response.status).toBe(200);
    clock.advance(30 * DAY);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'uninstalled', purgeAfter: null });
  });

  it('an admin opening the app for a portal held as uninstalled, whose tokens verify, brings it back', async () => {
    const portal = stack.sim.portal('reopened');
    // As the old code left a portal after a forged uninstall: marked uninstalled, though Bitrix24 still has the app.
    await stack.store.markUninstalled(portal.memberId, { purgeAfter: clock.now() + DAY });
    const employeePage = await post(portal.openFrame(employeeOf(portal).id, 'DEFAULT'));
    expect([employeePage.status, await employeePage.text()]).toEqual([404, expect.stringContaining('not installed on this portal')]);
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'uninstalled' });
    const adminPage = await post(portal.openFrame(adminOf(portal).id, 'DEFAULT'));
    expect(adminPage.status).toBe(200);
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'installed', purgeAfter: null, applicationToken: portal.applicationToken });
    expect(await stack.store.getUserTokens(portal.memberId, adminOf(portal).id)).toMatchObject({ tokenState: 'live' });
  });
});
