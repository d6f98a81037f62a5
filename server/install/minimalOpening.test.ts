import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, type Stack } from '../../scripts/stack.js';
import { fixtureClientPages } from '../../test/support/fixturePages.js';
import { ManualClock } from '../../simulator/index.js';
import type { SimPortal } from '../../simulator/contract.js';
import { forEachDatabase } from '../../test/support/databases.js';
import { bindAppEvents, postOpening as post } from '../../test/support/installation.js';
import { firstAdmin } from '../../test/support/directory.js';

/**
 * The frame POST exactly as the core's app.layout template sends it (no APPLICATION_TOKEN,
 * SERVER_ENDPOINT or APPLICATION_SCOPE), and a reinstall whose ONAPPUNINSTALL never arrived.
 */
forEachDatabase('minimal frame POST and a lost uninstall event', (getDb) => {
  let stack: Stack;
  const clock = new ManualClock(Date.now());

  beforeAll(async () => {
    stack = await startStack({ pages: fixtureClientPages(), databaseUrl: getDb().url, clock, portals: [{ label: 'core', users: 12, framePost: 'core' }] });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const adminOf = firstAdmin;
  async function rest(portal: SimPortal, method: string, params: Record<string, unknown>): Promise<void> {
    const { access_token } = portal.issueTokens(adminOf(portal).id);
    const response = await fetch(`${portal.clientEndpoint}${method}.json`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ...params, auth: access_token }) });
    expect(response.status).toBe(200);
  }
  async function install(portal: SimPortal): Promise<void> {
    const opening = portal.openFrame(adminOf(portal).id, 'INSTALL');
    expect(Object.keys(opening.fields).sort()).toEqual(['AUTH_EXPIRES', 'AUTH_ID', 'PLACEMENT', 'REFRESH_ID', 'member_id', 'status']);
    expect((await post(opening)).status).toBe(200);
    await bindAppEvents(portal, stack.appUrl);
    await portal.frameCommand(opening.appSid, 'setInstallFinish', {});
  }

  it('installs and opens without APPLICATION_TOKEN in the POST: the token comes from ONAPPINSTALL', async () => {
    const portal = stack.sim.portal('core');
    await install(portal);
    expect(portal.events.at(-1)).toMatchObject({ event: 'ONAPPINSTALL', responseStatus: 200 });
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'installed', applicationToken: portal.applicationToken });
    expect((await post(portal.openFrame(adminOf(portal).id, 'DEFAULT'))).status).toBe(200);
    expect(await stack.store.getUserTokens(portal.memberId, adminOf(portal).id)).toMatchObject({ tokenState: 'live' });
  });

  it('a reinstall whose ONAPPUNINSTALL was lost: the verified ONAPPINSTALL brings the new application token, and later events are heard', async () => {
    const portal = stack.sim.portal('core');
    const first = portal.applicationToken;
    await rest(portal, 'event.unbind', { event: 'ONAPPUNINSTALL', handler: `${stack.appUrl}/events` });
    await portal.uninstall({ clean: false }); // Bitrix24 never retries an event: we never hear of this one
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'installed', applicationToken: first });
    clock.advance(60_000);
    await install(portal);
    expect(portal.applicationToken).not.toBe(first);
    expect(portal.events.at(-1)).toMatchObject({ event: 'ONAPPINSTALL', responseStatus: 200 });
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'installed', applicationToken: portal.applicationToken });
    // The next uninstall carries the new token and is honoured.
    clock.advance(60_000);
    await portal.uninstall({ clean: false });
    expect(portal.events.at(-1)).toMatchObject({ event: 'ONAPPUNINSTALL', responseStatus: 200 });
    expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ installState: 'uninstalled' });
  });

  it('an ONAPPINSTALL with a wrong token that the OAuth server does not vouch for changes nothing', async () => {
    const portal = stack.sim.portal('core');
    const before = await stack.store.getPortal(portal.memberId);
    const response = await fetch(`${stack.appUrl}/events`, {
      method: 'POST',
      body: new URLSearchParams({ event: 'ONAPPINSTALL', 'auth[member_id]': portal.memberId, 'auth[application_token]': 'f'.repeat(32), 'auth[access_token]': 'a'.repeat(40), 'auth[refresh_token]': 'r'.repeat(40) }),
    });
    expect(response.status).toBe(401);
    expect((await stack.store.getPortal(portal.memberId))!.applicationToken).toBe(before!.applicationToken);
  });
});
