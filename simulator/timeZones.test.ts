import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ManualClock } from './clock.js';
import { STABLE_EMPLOYEE_ID } from './directory.js';
import { timeZonesOf } from './methods/users.js';
import type { SimPortalImpl } from './portal.js';
import type { SimulatorImpl } from './simulator.js';
import { rest, startTestSimulator } from './testSupport.js';

/**
 * `profile` answers the user's time zone as the core's rest module does (classes/general/rest_provider.php
 * getProfile): TIME_ZONE, the user's own zone or ''; TIME_ZONE_OFFSET, seconds east of UTC now, of the
 * user's zone or else the portal's default (the server's, UTC, when neither is set).
 */

let sim: SimulatorImpl;
let clock: ManualClock;
let portal: SimPortalImpl;

beforeAll(async () => {
  ({ sim, clock } = await startTestSimulator({ portals: [{ label: 'zones', users: 20, preinstalled: true }] }));
  portal = sim.portal('zones');
});
afterAll(async () => {
  await sim.close();
});

const profileOf = async (userId: number) => (await rest(portal, 'profile', {}, portal.issueTokens(userId).access_token)).body.result as Record<string, unknown>;

it('answers the server zone (UTC) when neither the portal nor the user has one', async () => {
  expect(await profileOf(1)).toMatchObject({ TIME_ZONE: '', TIME_ZONE_OFFSET: 0 });
});

it("answers the portal's default zone as an offset only, and a user's own zone by name, with its offset at the portal's time (summer time included)", async () => {
  const zones = timeZonesOf(portal.directory);
  zones.portal = 'Europe/Moscow';
  zones.users.set(STABLE_EMPLOYEE_ID, 'America/New_York');
  try {
    clock.set(Date.UTC(2026, 0, 15, 12));
    expect(await profileOf(1)).toMatchObject({ TIME_ZONE: '', TIME_ZONE_OFFSET: 3 * 3600 });
    expect(await profileOf(STABLE_EMPLOYEE_ID)).toMatchObject({ TIME_ZONE: 'America/New_York', TIME_ZONE_OFFSET: -5 * 3600 });
    clock.set(Date.UTC(2026, 6, 15, 12));
    expect(await profileOf(STABLE_EMPLOYEE_ID)).toMatchObject({ TIME_ZONE: 'America/New_York', TIME_ZONE_OFFSET: -4 * 3600 });
    // user.get shows the user's own zone too.
    const rows = (await rest(portal, 'user.get', { ID: STABLE_EMPLOYEE_ID }, portal.issueTokens(1).access_token)).body.result as Array<Record<string, unknown>>;
    expect(rows[0]).toMatchObject({ TIME_ZONE: 'America/New_York' });
    zones.users.set(STABLE_EMPLOYEE_ID, 'Asia/Kathmandu');
    expect(await profileOf(STABLE_EMPLOYEE_ID)).toMatchObject({ TIME_ZONE: 'Asia/Kathmandu', TIME_ZONE_OFFSET: 5 * 3600 + 45 * 60 });
  } finally {
    zones.portal = '';
    zones.users.clear();
  }
});
