import { afterEach, describe, expect, it } from 'vitest';
import { STABLE_EMPLOYEE_ID } from './directory.js';
import { parsePhpQuery } from './phpParams.js';
import type { FrameReload, SimPortalImpl } from './portal.js';
import type { SimulatorImpl } from './simulator.js';
import { rest, startReceiver, startTestSimulator } from './testSupport.js';

let sim: SimulatorImpl | undefined;
let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
afterEach(async () => {
  await sim?.close();
  await receiver?.close();
  sim = undefined;
  receiver = undefined;
});

async function setup(portalOptions: { preinstalled?: boolean } = {}, installPath?: string | null) {
  receiver = await startReceiver();
  const started = await startTestSimulator({
    app: { url: receiver.url, ...(installPath === undefined ? {} : { installPath }) },
    portals: [{ users: 60, ...portalOptions }],
  });
  sim = started.sim;
  return { portal: sim.portal(), clock: started.clock, receiver };
}

async function bindFromFrame(portal: SimPortalImpl, token: string, event: string, handler: string) {
  const reply = await rest(portal, 'event.bind', { event, handler }, token);
  expect(reply.body.result).toBe(true);
}

describe('installation through the frame', () => {
  it('opens the install page by POST with the documented query and form fields', async () => {
    const { portal } = await setup();
    expect(portal.installState).toBe('not_installed');
    const opening = portal.openFrame(1);
    expect(portal.installState).toBe('installing');
    const action = new URL(opening.action);
    expect(action.pathname).toBe('/install');
    expect(Object.fromEntries(action.searchParams)).toEqual({ DOMAIN: portal.domain, PROTOCOL: '0', LANG: 'en', APP_SID: opening.appSid });
    expect(opening.frameName).toBe(`${portal.domain}|0|${opening.appSid}`);
    expect(opening.appOrigin).toBe(receiver!.url);
    expect(opening.fields).toMatchObject({
      AUTH_EXPIRES: '3600',
      SERVER_ENDPOINT: `${sim!.oauth.url}/rest/`,
      APPLICATION_TOKEN: portal.applicationToken,
      APPLICATION_SCOPE: 'pull,user_brief,department,sonet_group,placement',
      member_id: portal.memberId,
      status: 'L',
      PLACEMENT: 'DEFAULT',
    });
    expect(portal.applicationToken).toMatch(/^[0-9a-f]{32}$/);
    expect(opening.fields.AUTH_ID).toMatch(/^[a-z0-9]{70}$/);
    // The tokens belong to the user who opened it.
    expect(((await rest(portal, 'profile', {}, opening.fields.AUTH_ID)).body.result as { ID: string }).ID).toBe('1');
    // A non-admin cannot open an app that is not installed.
    expect(() => portal.openFrame(STABLE_EMPLOYEE_ID)).toThrow(/not installed/);
  });

  it('answers getInitData, setInstall, refreshAuth, options; installFinish delivers ONAPPINSTALL to bound handlers only', async () => {
    const { portal } = await setup();
    const opening = portal.openFrame(1);
    const init = (await portal.frameCommand(opening.appSid, 'getInitData', {})) as Record<string, unknown>;
    expect(init).toMatchObject({
      AUTH_ID: opening.fields.AUTH_ID,
      REFRESH_ID: opening.fields.REFRESH_ID,
      AUTH_EXPIRES: '3600',
      DOMAIN: portal.domain,
      PROTOCOL: '0',
      PATH: '/rest/',
      LANG: 'en',
      MEMBER_ID: portal.memberId,
      IS_ADMIN: true,
      INSTALL: true,
      FIRST_RUN: true,
      PLACEMENT: 'DEFAULT',
      PLACEMENT_OPTIONS: {},
      APP_OPTIONS: {},
      USER_OPTIONS: {},
    });
    // applayout.js answers setInstall with its own params.
    expect(await portal.frameCommand(opening.appSid, 'setInstall', { install: true })).toEqual({ install: true });
    expect(((await portal.frameCommand(opening.appSid, 'getInitData', {})) as { FIRST_RUN: boolean }).FIRST_RUN).toBe(false);

    const refreshed = (await portal.frameCommand(opening.appSid, 'refreshAuth', {})) as { AUTH_ID: string; REFRESH_ID: string };
    expect(refreshed.AUTH_ID).not.toBe(opening.fields.AUTH_ID);
    expect(((await rest(portal, 'profile', {}, refreshed.AUTH_ID)).body.result as { ID: string }).ID).toBe('1');

    await portal.frameCommand(opening.appSid, 'setAppOption', { name: 'theme', value: 'dark', isSafely: true });
    await portal.frameCommand(opening.appSid, 'setUserOption', { name: 'seen', value: '1', isSafely: true });
    expect(await portal.frameCommand(opening.appSid, 'getInterface', {})).toEqual({ command: [], action: [], event: [] });
    expect(await portal.frameCommand(opening.appSid, 'somethingElse', {})).toBeUndefined();

    // Events bound while installing, app.info still not installed.
    expect(((await rest(portal, 'app.info', {}, refreshed.AUTH_ID)).body.result as { INSTALLED: boolean }).INSTALLED).toBe(false);
    await bindFromFrame(portal, refreshed.AUTH_ID, 'ONAPPINSTALL', `${receiver!.url}/events`);
    await bindFromFrame(portal, refreshed.AUTH_ID, 'ONAPPUNINSTALL', `${receiver!.url}/events`);
    expect(portal.events).toHaveLength(0);

    const reload = (await portal.frameCommand(opening.appSid, 'setInstallFinish', {})) as FrameReload;
    expect(portal.installState).toBe('installed');
    expect(reload.reload).toBe(true);
    expect(new URL(reload.opening.action).pathname).toBe('/');
    expect(reload.opening.fields.PLACEMENT_OPTIONS).toBe('{}');

    expect(portal.events).toHaveLength(1);
    const delivered = portal.events[0]!;
    expect(delivered).toMatchObject({ event: 'ONAPPINSTALL', handler: `${receiver!.url}/events`, responseStatus: 200 });
    expect(Object.keys(delivered.fields)).toEqual([
      'event',
      'event_handler_id',
      'data[VERSION]',
      'data[ACTIVE]',
      'data[INSTALLED]',
      'data[LANGUAGE_ID]',
      'ts',
      'auth[access_token]',
      'auth[expires]',
      'auth[expires_in]',
      'auth[scope]',
      'auth[domain]',
      'auth[server_endpoint]',
      'auth[status]',
      'auth[client_endpoint]',
      'auth[member_id]',
      'auth[user_id]',
      'auth[refresh_token]',
      'auth[application_token]',
    ]);
    expect(delivered.fields).toMatchObject({
      event: 'ONAPPINSTALL',
      'data[INSTALLED]': 'Y',
      'auth[member_id]': portal.memberId,
      'auth[application_token]': portal.applicationToken,
      'auth[client_endpoint]': portal.clientEndpoint,
      'auth[domain]': portal.domain,
      'auth[user_id]': '1',
    });
    const posted = receiver!.received.at(-1)!;
    expect(posted.contentType).toBe('application/x-www-form-urlencoded');
    expect(parsePhpQuery(posted.body)).toMatchObject({ event: 'ONAPPINSTALL', auth: { member_id: portal.memberId, application_token: portal.applicationToken } });
    // The tokens in the event work.
    expect((await rest(portal, 'profile', {}, delivered.fields['auth[access_token]'])).status).toBe(200);

    // Options persist into later openings.
    const later = portal.openFrame(1);
    const laterInit = (await portal.frameCommand(later.appSid, 'getInitData', {})) as Record<string, unknown>;
    expect(laterInit).toMatchObject({ INSTALL: false, FIRST_RUN: false, APP_OPTIONS: { theme: 'dark' }, USER_OPTIONS: { seen: '1' } });
    const nonAdmin = portal.openFrame(STABLE_EMPLOYEE_ID);
    expect(((await portal.frameCommand(nonAdmin.appSid, 'getInitData', {})) as Record<string, unknown>).IS_ADMIN).toBe(false);
  });

  it('FIRST_RUN is per portal and user, on any page, until that user\'s frame sends setInstall (once per opening)', async () => {
    // app.layout component.php: FIRST_RUN = the user's option params_<app>_<version> has no true
    // `install`; applayout.js answers it in the first getInitData of an opening only, and setInstall
    // saves the user's `install` flag.
    receiver = await startReceiver();
    const started = await startTestSimulator({ app: { url: receiver.url }, portals: [{ users: 30 }, { users: 30, preinstalled: true }] });
    sim = started.sim;
    const [portal, other] = sim.portals as [SimPortalImpl, SimPortalImpl];
    const firstRun = async (p: SimPortalImpl, appSid: string) => ((await p.frameCommand(appSid, 'getInitData', {})) as { FIRST_RUN: boolean }).FIRST_RUN;

    const install = portal.openFrame(1);
    expect(await firstRun(portal, install.appSid)).toBe(true);
    expect(await firstRun(portal, install.appSid)).toBe(false);
    // Not told: the next opening is a first run again.
    const again = portal.openFrame(1);
    expect(await firstRun(portal, again.appSid)).toBe(true);
    expect(await portal.frameCommand(again.appSid, 'setInstall', { install: true })).toEqual({ install: true });
    await portal.frameCommand(again.appSid, 'setInstallFinish', {});
    expect(portal.installState).toBe('installed');
    expect(await firstRun(portal, portal.openFrame(1).appSid)).toBe(false);

    // Another user's first opening of the app page is a first run of their own.
    const employee = portal.openFrame(STABLE_EMPLOYEE_ID);
    expect(await firstRun(portal, employee.appSid)).toBe(true);
    await portal.frameCommand(employee.appSid, 'setInstall', { install: true });
    expect(await firstRun(portal, portal.openFrame(STABLE_EMPLOYEE_ID).appSid)).toBe(false);
    expect(await firstRun(portal, portal.openFrame(3).appSid)).toBe(true);
    // install: false makes it a first run again.
    await portal.frameCommand(portal.openFrame(1).appSid, 'setInstall', { install: false });
    expect(await firstRun(portal, portal.openFrame(1).appSid)).toBe(true);

    // Another portal knows nothing of it.
    expect(await firstRun(other, other.openFrame(STABLE_EMPLOYEE_ID).appSid)).toBe(true);
  });

  it('delivers no event before installFinish, even on uninstall', async () => {
    const { portal } = await setup();
    const opening = portal.openFrame(1);
    await bindFromFrame(portal, opening.fields.AUTH_ID!, 'ONAPPUNINSTALL', `${receiver!.url}/events`);
    await portal.uninstall({ clean: true });
    expect(portal.events).toHaveLength(0);
    expect(receiver!.received).toHaveLength(0);
    expect(portal.installState).toBe('uninstalled');
  });

  it('uninstall delivers ONAPPUNINSTALL with CLEAN and a bare auth, revokes tokens, and a reinstall gets a new application token', async () => {
    const { portal } = await setup({ preinstalled: true });
    const tokens = portal.issueTokens(1);
    await bindFromFrame(portal, tokens.access_token, 'ONAPPUNINSTALL', `${receiver!.url}/events`);
    const oldAppToken = portal.applicationToken;
    await portal.uninstall({ clean: true });
    expect(portal.installState).toBe('uninstalled');
    expect(portal.events).toHaveLength(1);
    const fields = portal.events[0]!.fields;
    expect(fields).toEqual({
      event: 'ONAPPUNINSTALL',
      event_handler_id: '1',
      'data[LANGUAGE_ID]': 'en',
      'data[CLEAN]': '1',
      ts: expect.stringMatching(/^\d+$/),
      'auth[domain]': portal.domain,
      'auth[server_endpoint]': `${sim!.oauth.url}/rest/`,
      'auth[client_endpoint]': portal.clientEndpoint,
      'auth[member_id]': portal.memberId,
      'auth[application_token]': oldAppToken,
    });
    // The core asks whether the app is installed before whether the token expired (rest/lib/oauth/auth.php).
    expect((await rest(portal, 'profile', {}, tokens.access_token)).body.error).toBe('APPLICATION_NOT_FOUND');
    const refresh = await fetch(`${sim!.oauth.url}/oauth/token/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: 'local.simtest.1', client_secret: 'sim-test-secret', refresh_token: tokens.refresh_token }),
    });
    expect(((await refresh.json()) as { error: string }).error).toBe('invalid_grant');
    expect(portal.boundEvents()).toEqual({});

    portal.openFrame(1);
    expect(portal.installState).toBe('installing');
    expect(portal.applicationToken).not.toBe(oldAppToken);
    // UNCONFIRMED what a removed installation's token gets once the app is back: unknown here.
    expect((await rest(portal, 'profile', {}, tokens.access_token)).body.error).toBe('invalid_token');
  });

  it('answers a removed installation APPLICATION_NOT_FOUND before expiry, an unknown token invalid_token, a deactivated user authorization_error', async () => {
    const { portal, clock } = await setup({ preinstalled: true });
    const expired = portal.issueTokens(1);
    const fresh = portal.issueTokens(3);
    const employee = portal.directory.users.find((user) => !user.admin && user.active && user.type === 'employee')!;
    const dismissed = portal.issueTokens(employee.id);
    employee.active = false;
    expect((await rest(portal, 'app.info', {}, dismissed.access_token)).body.error).toBe('authorization_error');
    clock.advance(2 * 3600_000);
    expect((await rest(portal, 'app.info', {}, expired.access_token)).body.error).toBe('expired_token');
    const live = portal.issueTokens(3);
    await portal.uninstall({ clean: true });
    for (const token of [expired, fresh, live]) expect((await rest(portal, 'app.info', {}, token.access_token)).body.error).toBe('APPLICATION_NOT_FOUND');
    expect((await rest(portal, 'app.info', {}, 'made-up-token-of-seventy-characters-made-up-token-of-seventy-chars')).body.error).toBe('invalid_token');
  });

  it('can play the unconfirmed alternative: the OAuth server forgets a removed installation\'s tokens', async () => {
    const { portal } = await setup({ preinstalled: true });
    const tokens = portal.issueTokens(1);
    await portal.uninstall({ forgetTokens: true });
    expect((await rest(portal, 'app.info', {}, tokens.access_token)).body.error).toBe('invalid_token');
  });

  it('sends CLEAN=0 when data is kept, and does not retry a failing handler', async () => {
    receiver = await startReceiver(500);
    const started = await startTestSimulator({ app: { url: receiver.url }, portals: [{ users: 30, preinstalled: true }] });
    sim = started.sim;
    const portal = sim.portal();
    await bindFromFrame(portal, portal.issueTokens(1).access_token, 'ONAPPUNINSTALL', `${receiver.url}/events`);
    await portal.uninstall();
    expect(portal.events.map((e) => [e.fields['data[CLEAN]'], e.responseStatus])).toEqual([['0', 500]]);
    expect(receiver.received).toHaveLength(1);
  });

  it('installs at once an app without an install page', async () => {
    const { portal } = await setup({}, null);
    const opening = portal.openFrame(1);
    expect(portal.installState).toBe('installed');
    expect(new URL(opening.action).pathname).toBe('/');
    expect(((await portal.frameCommand(opening.appSid, 'getInitData', {})) as { INSTALL: boolean }).INSTALL).toBe(false);
  });

  it('never calls a non-loopback handler', async () => {
    const { portal } = await setup({ preinstalled: true });
    await bindFromFrame(portal, portal.issueTokens(1).access_token, 'ONAPPUNINSTALL', 'https://example.com/events');
    await portal.uninstall();
    expect(portal.events.map((e) => e.responseStatus)).toEqual([0]);
  });
});
