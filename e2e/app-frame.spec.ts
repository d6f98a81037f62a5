import { AxeBuilder } from '@axe-core/playwright';
import { test, expect, type Page } from '@playwright/test';
import { startStack, type Stack } from '../scripts/stack.js';
import type { DirectoryUser } from '../simulator/contract.js';

/**
 * Our app (the real Vite build, served by the real Express app) inside the simulated Bitrix24 portal,
 * in Chromium: install from the Market card, open from the left menu, greet the signed-in user.
 */

let stack: Stack;

test.beforeAll(async () => {
  stack = await startStack({ portals: [{ label: 'acme', users: 120, language: 'en' }] });
});

test.afterAll(async () => {
  await stack?.close();
});

const fullName = (user: DirectoryUser) => [user.name, user.lastName].filter(Boolean).join(' ');
const appFrame = (page: Page) => page.frameLocator('iframe[data-testid="portal-app-frame"]');

test.describe.configure({ mode: 'serial' });

test('an admin installs the app from the Market card; the app page greets them through B24Frame', async ({ page }) => {
  const portal = stack.sim.portal();
  const admin = portal.directory.users.find((user) => user.admin && user.active)!;
  await page.goto(portal.shellUrl({ userId: admin.id }));

  await page.getByTestId('portal-menu-market').click();
  await page.getByTestId('portal-install').click();

  // The install page binds the events and finishes the installation; the portal reloads the frame into the app page.
  await expect(appFrame(page).getByTestId('signed-in-user')).toHaveText(`Signed in as ${fullName(admin)}`, { timeout: 20_000 });
  await expect(appFrame(page).getByRole('tab', { name: 'New push' })).toBeVisible();
  // The app titles the portal page through the frame (setTitle); the portal's own title would be the app name.
  await expect(page.getByTestId('portal-page-title')).toHaveText('Push notifications to employees’ phones');
  // The backend, asked with the frame's own token, confirms the admin and their saved authorization.
  await expect(appFrame(page).getByTestId('status-ready')).toContainText('Pushes will be sent as “Team Push”');
  await expect(appFrame(page).getByTestId('status-install-unfinished')).toHaveCount(0);
  await expect(page.getByTestId('portal-menu-app')).toBeVisible();
  expect(portal.installState).toBe('installed');

  // The events were bound to our handler, and ONAPPINSTALL reached it and was accepted.
  expect(portal.boundEvents()).toMatchObject({ ONAPPINSTALL: [`${stack.appUrl}/events`], ONAPPUNINSTALL: [`${stack.appUrl}/events`] });
  await expect.poll(() => portal.events.find((event) => event.event === 'ONAPPINSTALL')?.responseStatus).toBe(200);
  const stored = await stack.store.getPortal(portal.memberId);
  expect(stored).toMatchObject({ installState: 'installed', clientEndpoint: portal.clientEndpoint, applicationToken: portal.applicationToken });
  expect(await stack.store.getUserTokens(portal.memberId, admin.id)).toMatchObject({ isAdmin: true, tokenState: 'live' });
});

test('an admin sends a test push to themselves; it arrives on their phone with the app name as title', async ({ page, context }) => {
  const portal = stack.sim.portal();
  const admin = portal.directory.users.find((user) => user.admin && user.active)!;
  await page.goto(portal.shellUrl({ userId: admin.id }));
  await page.getByTestId('portal-menu-app').click();
  const frame = appFrame(page);

  // An empty message is refused with a clear error, and nothing reaches Bitrix24.
  await frame.getByRole('button', { name: 'Send test to me' }).click();
  await expect(frame.getByTestId('field-error-text')).toContainText('empty');
  expect(portal.pushes).toHaveLength(0);

  await frame.getByLabel('Message').fill('Fire drill at 15:00, please use the east stairs.');
  await frame.getByRole('button', { name: 'Send test to me' }).dblclick();
  await expect(frame.getByTestId('send-outcome')).toContainText('Accepted by Bitrix24 for 1 recipient');
  await expect.poll(() => portal.pushes.length).toBe(1);
  expect(portal.pushes[0]).toMatchObject({ userId: admin.id, title: 'Team Push', text: 'Fire drill at 15:00, please use the east stairs.' });

  const phone = await context.newPage();
  await phone.goto(portal.phoneUrl({ userId: admin.id }));
  await expect(phone.getByTestId('push')).toHaveCount(1);
  await expect(phone.getByTestId('push-title')).toHaveText('Team Push');
  await expect(phone.getByTestId('push-text')).toHaveText('Fire drill at 15:00, please use the east stairs.');
});

test('a non-admin opens the app from the left menu and is told only admins send', async ({ page }) => {
  const portal = stack.sim.portal();
  const employee = portal.directory.users.find((user) => !user.admin && user.active && user.type === 'employee')!;
  await page.goto(portal.shellUrl({ userId: employee.id }));
  await page.getByTestId('portal-menu-app').click();
  await expect(appFrame(page).getByTestId('signed-in-user')).toHaveText(`Signed in as ${fullName(employee)}`, { timeout: 20_000 });
  await expect(appFrame(page).getByText('Only portal administrators can send push notifications.')).toBeVisible();
  await expect(appFrame(page).getByTestId('status-ready')).toHaveCount(0);
  await expect(appFrame(page).getByTestId('status-error')).toHaveCount(0);
  await expect(appFrame(page).getByRole('button', { name: 'Send test to me' })).toHaveCount(0);
  // A non-admin's opening never stores tokens.
  expect(await stack.store.getUserTokens(portal.memberId, employee.id)).toBeNull();
});

test('the app speaks the portal language (Russian)', async ({ page }) => {
  const portal = stack.sim.portal();
  const admin = portal.directory.users.find((user) => user.admin && user.active)!;
  await page.goto(portal.shellUrl({ userId: admin.id, lang: 'ru' }));
  await page.getByTestId('portal-menu-app').click();
  await expect(appFrame(page).getByTestId('signed-in-user')).toHaveText(`Вы вошли как ${fullName(admin)}`, { timeout: 20_000 });
});

test('opened in a plain browser, the app page calmly says what it is, where it runs and how to try it (npm run demo)', async ({ page }) => {
  const problems: string[] = [];
  // The browser's own /favicon.ico request (the app has none) is not the page's problem.
  page.on('console', (message) => message.type() === 'error' && !message.location().url.endsWith('/favicon.ico') && problems.push(message.text()));
  page.on('pageerror', (error) => problems.push(error.message));
  const response = await page.goto(stack.appUrl);
  expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(response?.headers()['x-frame-options']).toBeUndefined();
  const explanation = page.getByTestId('outside-bitrix24');
  await expect(explanation.getByRole('heading', { level: 1 })).toHaveText('Team Push');
  await expect(explanation).toContainText('Push notifications from your Bitrix24 portal');
  await expect(explanation.getByRole('heading', { level: 2, name: 'Open this app from Bitrix24' })).toBeVisible();
  await expect(explanation.locator('code')).toHaveText('npm run demo');
  // Nothing went wrong: no error card, and the page's CSP (no inline script) was kept.
  await expect(page.getByRole('alert')).toHaveCount(0);
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(results.violations.map((violation) => violation.id)).toEqual([]);
  expect(problems).toEqual([]);
});

test('opened in a plain browser, the app page speaks the browser’s language (German)', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'de-DE' });
  const page = await context.newPage();
  await page.goto(stack.appUrl);
  await expect(page.getByTestId('outside-bitrix24')).toContainText('Öffnen Sie diese App in Bitrix24');
  await expect(page.getByRole('main')).toHaveAttribute('lang', 'de');
  await expect(page.getByTestId('outside-bitrix24').locator('code')).toHaveText('npm run demo');
  await context.close();
});
