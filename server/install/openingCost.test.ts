import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../scripts/stack.js';
import { fixtureClientPages } from '../../test/support/fixturePages.js';
import { ManualClock } from '../../simulator/index.js';
import type { FrameOpening, SimPortal } from '../../simulator/contract.js';
import { forEachDatabase } from '../../test/support/databases.js';
import { createOAuthClient } from '../bitrix/oauthClient.js';
import { createPortalGateway } from '../bitrix/portalGateway.js';
import { createLogger } from '../logger.js';
import { TEST_CLIENT_ID, TEST_CLIENT_SECRET } from '../../scripts/stack.js';
import { firstAdmin } from '../../test/support/directory.js';

/**
 * Opening the app spends no refresh token (settings/oauth/auto-renewal.md warns that needless renewals
 * get an application blocked): the portal or the OAuth server's token check vouches for the opening,
 * and the admin's pair is kept as received for later sends. Each shape of the OAuth server's token
 * check (its answer is UNCONFIRMED) is tried.
 */
for (const shape of ['nested', 'flat', 'minimal'] as const) {
  describe(`openings with the OAuth server's app.info answering '${shape}'`, () => {
    forEachDatabase(`opening cost (${shape})`, (getDb) => {
      let stack: Stack;
      const clock = new ManualClock(Date.now());
      const adminOf = firstAdmin;
      const employeeOf = (portal: SimPortal) => portal.directory.users.find((user) => !user.admin && user.active && user.type === 'employee')!;
      const post = (opening: FrameOpening) => fetch(opening.action, { method: 'POST', body: new URLSearchParams(opening.fields) });

      beforeAll(async () => {
        stack = await startStack({ pages: fixtureClientPages(), databaseUrl: getDb().url, clock, oauthAppInfoShape: shape, portals: [{ label: 'p', users: 12 }] });
      });
      afterAll(async () => {
        await stack?.close();
      });

      it(`installs with ${shape === 'minimal' ? 'one refresh (nothing else names the portal’s address)' : 'no refresh'}, and 10 openings cost none`, async () => {
        const portal = stack.sim.portal('p');
        const install = portal.openFrame(adminOf(portal).id, 'INSTALL');
        expect((await post(install)).status).toBe(200);
        expect(stack.sim.oauth.refreshCount(portal.memberId)).toBe(shape === 'minimal' ? 1 : 0);
        const stored = await stack.store.getUserTokens(portal.memberId, adminOf(portal).id);
        if (shape !== 'minimal') expect(stored).toMatchObject({ accessToken: install.fields.AUTH_ID, refreshToken: install.fields.REFRESH_ID, expiresAt: clock.now() + 3_600_000 });
        expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ clientEndpoint: portal.clientEndpoint, memberId: portal.memberId });
        await portal.frameCommand(install.appSid, 'setInstallFinish', {});

        const before = stack.sim.oauth.refreshCount();
        for (let i = 0; i < 10; i += 1) {
          const user = i % 2 === 0 ? adminOf(portal) : employeeOf(portal);
          expect((await post(portal.openFrame(user.id, 'DEFAULT'))).status).toBe(200);
          clock.advance(60_000);
        }
        expect(stack.sim.oauth.refreshCount() - before).toBe(0);
        // The admin's last opening is what is kept, unredeemed; a non-admin's never is.
        expect(await stack.store.getUserTokens(portal.memberId, employeeOf(portal).id)).toBeNull();
      });

      it('the kept pair works for a later send, and is redeemed only when it has expired', async () => {
        const portal = stack.sim.portal('p');
        const oauth = createOAuthClient({ oauthUrl: stack.sim.oauth.url, clientId: TEST_CLIENT_ID, clientSecret: TEST_CLIENT_SECRET, now: () => clock.now() });
        const gateway = createPortalGateway({ store: stack.store, oauth, logger: createLogger({ level: 'silent' }), now: () => clock.now() });
        const before = stack.sim.oauth.refreshCount();
        expect(Number((await gateway.callAsAdmin<{ ID: string }>(portal.memberId, 'profile')).result.ID)).toBe(adminOf(portal).id);
        expect(stack.sim.oauth.refreshCount() - before).toBe(0);
        clock.advance(2 * 3_600_000);
        expect(Number((await gateway.callAsAdmin<{ ID: string }>(portal.memberId, 'profile')).result.ID)).toBe(adminOf(portal).id);
        expect(stack.sim.oauth.refreshCount() - before).toBe(1);
      });

      it('a renamed portal: the stored address no longer answers, the OAuth server names the new one', async () => {
        const portal = stack.sim.portal('p');
        await portal.rename();
        const before = stack.sim.oauth.refreshCount();
        expect((await post(portal.openFrame(adminOf(portal).id, 'DEFAULT'))).status).toBe(200);
        expect(await stack.store.getPortal(portal.memberId)).toMatchObject({ clientEndpoint: portal.clientEndpoint });
        expect(stack.sim.oauth.refreshCount() - before).toBe(shape === 'minimal' ? 1 : 0);
      });
    });
  });
}
