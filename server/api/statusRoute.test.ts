import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, type Stack } from '../../scripts/stack.js';
import { fixtureClientPages } from '../../test/support/fixturePages.js';
import { ManualClock } from '../../simulator/index.js';
import type { SimPortal } from '../../simulator/contract.js';
import { forEachDatabase } from '../../test/support/databases.js';
import { MEMBER_ID_HEADER } from './frameAuth.js';
import { firstAdmin } from '../../test/support/directory.js';

/**
 * The scopes warning. The real OAuth server answers `scope: "app"` (settings/oauth/auto-renewal.md), so a
 * grant's scopes are read from the portal's `scope` method, never from the OAuth answer.
 */
for (const [label, appScopes, expected] of [
  ['a full grant', ['pull', 'user_brief', 'department', 'sonet_group'], []],
  ['a grant without sonet_group', ['pull', 'user_brief', 'department'], ['sonet_group']],
] as const) {
  forEachDatabase(`status scopes: ${label}`, (getDb) => {
    let stack: Stack;
    const clock = new ManualClock(Date.now());
    const adminOf = firstAdmin;
    const post = (fields: Record<string, string>, path: string) => fetch(`${stack.appUrl}${path}`, { method: 'POST', body: new URLSearchParams(fields) });
    const status = async (portal: SimPortal) => {
      const response = await fetch(`${stack.appUrl}/api/status`, { headers: { Authorization: `Bearer ${portal.issueTokens(adminOf(portal).id).access_token}`, [MEMBER_ID_HEADER]: portal.memberId } });
      return ((await response.json()) as { missingScopes: string[] }).missingScopes;
    };

    beforeAll(async () => {
      stack = await startStack({ pages: fixtureClientPages(), databaseUrl: getDb().url, clock, appScopes: [...appScopes], portals: [{ label: 'p', users: 12 }] });
    });
    afterAll(async () => {
      await stack?.close();
    });

    it(`names exactly what the portal lacks after the install and after a token refresh (${expected.join(', ') || 'nothing'})`, async () => {
      const portal = stack.sim.portal('p');
      expect((await post(portal.openFrame(adminOf(portal).id, 'INSTALL').fields, '/install')).status).toBe(200);
      expect(await status(portal)).toEqual(expected);
      clock.advance(2 * 3_600_000);
      // The admin opens the app again: the app renews and keeps their tokens.
      expect((await post(portal.openFrame(adminOf(portal).id, 'DEFAULT').fields, '/')).status).toBe(200);
      expect(await status(portal)).toEqual(expected);
    });
  });
}
