import { test, expect, type Page } from '@playwright/test';
import { startStack, type Stack } from '../scripts/stack.js';

/**
 * An opening the app cannot serve still reads as text inside the portal's iframe (not the browser's
 * "refused to connect" box): here, a portal that has the app but that the app does not know.
 */

let stack: Stack;

test.beforeAll(async () => {
  stack = await startStack({ portals: [{ label: 'stranger', users: 20, language: 'en', preinstalled: true }] });
});

test.afterAll(async () => {
  await stack?.close();
});

const appFrame = (page: Page) => page.frameLocator('iframe[data-testid="portal-app-frame"]');

test('a portal the app does not know: the frame says the app is not installed and what to do, in the portal language', async ({ page }) => {
  const portal = stack.sim.portal('stranger');
  const admin = portal.directory.users.find((user) => user.admin && user.active)!;
  await page.goto(portal.shellUrl({ userId: admin.id }));
  await page.getByTestId('portal-menu-app').click();
  await expect(appFrame(page).getByRole('alert')).toContainText('The app is not installed on this portal', { timeout: 20_000 });
  await expect(appFrame(page).getByRole('alert')).toContainText('install it (again) from the Bitrix24 Market');

  await page.goto(portal.shellUrl({ userId: admin.id, lang: 'ru' }));
  await page.getByTestId('portal-menu-app').click();
  await expect(appFrame(page).getByRole('alert')).toContainText('Приложение не установлено на этом портале', { timeout: 20_000 });
  expect(await stack.store.getPortal(portal.memberId)).toBeNull();
});
