import { test, expect } from '@playwright/test';
import { startStack, type Stack } from '../scripts/stack.js';
import { ManualClock } from '../simulator/index.js';

/**
 * The frame's Bitrix24 token runs out while the app is open: the backend answers TOKEN_EXPIRED, the
 * app renews the token through the portal (refreshAuth) and the admin's action goes through. And when the
 * portal itself refuses a REST call the frame makes (the SDK's own transport, client/platformShims/axios.ts in
 * the frame build), the SDK renews the token the same way and repeats the call.
 */

let stack: Stack;
const clock = new ManualClock(Date.now());

test.beforeAll(async () => {
  stack = await startStack({ clock, portals: [{ label: 'acme', users: 60, language: 'en' }] });
});

test.afterAll(async () => {
  await stack?.close();
});

test('an expired frame token is renewed through the portal and the search still answers', async ({ page }) => {
  const portal = stack.sim.portal('acme');
  const admin = portal.directory.users.find((user) => user.admin && user.active)!;
  const target = portal.directory.users.find((user) => user.active && user.type === 'employee' && user.id > 3)!;
  await page.goto(portal.shellUrl({ userId: admin.id }));
  await page.getByTestId('portal-menu-market').click();
  await page.getByTestId('portal-install').click();
  const frame = page.frameLocator('iframe[data-testid="portal-app-frame"]');
  await expect(frame.getByRole('tab', { name: 'New push' })).toBeVisible({ timeout: 20_000 });

  // Two hours pass on the portal: the token the frame holds is dead there (the browser does not know yet).
  clock.advance(2 * 3_600_000);
  const refreshesBefore = portal.requestLog.filter((entry) => entry.method === 'profile' && entry.error === 'expired_token').length;
  await frame.getByRole('combobox', { name: 'Search employees' }).fill(target.lastName);
  await expect(frame.getByRole('option').first()).toBeVisible();
  // The backend saw the old token refused by the portal, and the retry carried a new one.
  expect(portal.requestLog.filter((entry) => entry.method === 'profile' && entry.error === 'expired_token').length).toBeGreaterThan(refreshesBefore);
  await expect(frame.getByRole('alert')).toHaveCount(0);
});

test('the portal refuses a REST call of the frame as expired: the SDK renews the token through the portal and repeats it', async ({ page }) => {
  const portal = stack.sim.portal('acme');
  const admin = portal.directory.users.find((user) => user.admin && user.active)!;
  await page.goto(portal.shellUrl({ userId: admin.id }));
  await page.getByTestId('portal-menu-app').click();
  const frame = page.frameLocator('iframe[data-testid="portal-app-frame"]');
  await frame.getByLabel('Message').fill('Token renewal in the frame');
  await frame.getByRole('button', { name: 'Send test to me' }).click();
  await expect(frame.getByTestId('send-outcome')).toContainText('Accepted by Bitrix24 for 1 recipient');

  // The history names senders with the frame's own `user.get` (the backend calls no user.get here): the portal
  // answers it as Bitrix24 answers a dead token.
  const userGets = () => portal.requestLog.filter((entry) => entry.method === 'user.get');
  const before = userGets().length;
  portal.injectFault({ method: 'user.get', count: 1, httpStatus: 401, error: 'expired_token', description: 'The access token provided has expired.' });
  await frame.getByRole('tab', { name: 'History' }).click();
  const row = frame.getByTestId('history-row').filter({ hasText: 'Token renewal in the frame' });
  await expect(row).toContainText([admin.name, admin.lastName].filter(Boolean).join(' '));
  expect(userGets().slice(before).map((entry) => [entry.httpStatus, entry.error, entry.authVia])).toEqual([
    [401, 'expired_token', 'body'],
    [200, undefined, 'body'],
  ]);
  await expect(frame.getByRole('alert')).toHaveCount(0);
});
