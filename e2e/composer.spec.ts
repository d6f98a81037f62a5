import { test, expect, type FrameLocator, type Locator, type Page, type TestInfo } from '@playwright/test';
import { AxeBuilder } from '@axe-core/playwright';
import { startStack, type Stack } from '../scripts/stack.js';
import type { DirectoryUser } from '../simulator/contract.js';
import { firstAdmin, isRecipient, subtree } from '../test/support/directory.js';

/**
 * The composer inside the simulated portal, in Chromium: pick recipients, write, preview, send,
 * confirm, schedule, cancel, read the history; errors from Bitrix24 shown as an admin can act on them.
 */

let stack: Stack;

/** The few DOM names the in-page callbacks below use (this project's TypeScript has no DOM library on the Node side). */
interface Box {
  top: number;
  bottom: number;
}
declare const document: {
  documentElement: { clientWidth: number; scrollWidth: number; scrollHeight: number };
  querySelector(selector: string): { getBoundingClientRect(): Box } | null;
};

test.beforeAll(async () => {
  stack = await startStack({
    portals: [{ label: 'acme', users: 200, seed: 5, language: 'en' }],
    // Retries of a refused push run out in about a second instead of half a minute.
    sends: { backoffMs: () => 100, answerWithinMs: 10_000 },
  });
});

test.afterAll(async () => {
  await stack?.close();
});

test.describe.configure({ mode: 'serial' });

const portal = () => stack.sim.portal('acme');
const admin = () => firstAdmin(portal());
const fullName = (user: DirectoryUser) => [user.name, user.lastName].filter(Boolean).join(' ');
const appFrame = (page: Page) => page.frameLocator('iframe[data-testid="portal-app-frame"]');

async function openApp(page: Page, options: { userId?: number; lang?: string } = {}): Promise<FrameLocator> {
  await page.goto(portal().shellUrl({ userId: options.userId ?? admin().id, lang: options.lang }));
  await page.getByTestId('portal-menu-app').click();
  const frame = appFrame(page);
  await expect(frame.getByTestId('signed-in-user')).toBeVisible({ timeout: 20_000 });
  return frame;
}

async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

/** Keyboard picks take the first result: only a person whose name no one else has is certainly it. */
const uniquelyNamed = (user: DirectoryUser) => portal().directory.users.filter((other) => fullName(other) === fullName(user)).length === 1;

/** An employee's option in the search results: name and position (names repeat in a large company). */
const optionOf = (frame: FrameLocator, user: DirectoryUser) => frame.getByRole('option', { name: `${fullName(user)} ${user.position}`.trim(), exact: true }).first();

const pushesOf = (text: string) =>
  portal()
    .pushes.filter((push) => push.text === text)
    .map((push) => push.userId)
    .sort((a, b) => a - b);

test('installed from the portal page: the install page binds the events and calls installFinish', async ({ page }) => {
  await page.goto(portal().shellUrl({ userId: admin().id }));
  await page.getByTestId('portal-menu-market').click();
  await page.getByTestId('portal-install').click();
  await expect(appFrame(page).getByRole('tab', { name: 'New push' })).toBeVisible({ timeout: 20_000 });
  expect(portal().installState).toBe('installed');
});

test('an admin picks two employees, a department and a group, sees the count, sends; exactly those people get the push', async ({ page, context }, testInfo) => {
  const p = portal();
  const frame = await openApp(page);
  const [first, second] = p.directory.users.filter((user) => isRecipient(user) && user.id > 3 && user.position && uniquelyNamed(user)).slice(0, 2) as [DirectoryUser, DirectoryUser];
  const department = p.directory.departments.find((d) => d.parent === 1)!;
  const group = p.directory.groups.find((g) => g.members.length >= 2)!;

  // First employee: type the name, click the result.
  const search = frame.getByRole('combobox', { name: 'Search employees' });
  await search.fill(first.lastName);
  await optionOf(frame, first).click();
  // Second: keyboard only.
  await search.fill(`${second.name} ${second.lastName}`);
  await expect(optionOf(frame, second)).toBeVisible();
  await search.press('ArrowDown');
  await search.press('ArrowUp');
  await search.press('Enter');
  await expect(frame.getByTestId('recipient-chips').getByText(fullName(second))).toBeVisible();

  await frame.getByRole('tab', { name: 'Departments' }).click();
  await frame.getByRole('button', { name: department.name, exact: true }).click();
  await frame.getByRole('tab', { name: 'Groups' }).click();
  await frame.getByRole('button', { name: new RegExp(`^${group.name}`) }).click();

  const inside = subtree(p, department.id);
  const expected = new Set(p.directory.users.filter((user) => isRecipient(user) && user.departments.some((d) => inside.has(d))).map((user) => user.id));
  for (const member of group.members) if (isRecipient(p.directory.user(member.userId)!)) expected.add(member.userId);
  expected.add(first.id);
  expected.add(second.id);
  await expect(frame.getByTestId('recipient-count')).toHaveText(`${expected.size} people will receive it.`);

  // A chip can be removed and put back.
  await frame.getByRole('button', { name: `Remove ${fullName(first)}` }).click();
  await expect(frame.getByTestId('recipient-count')).not.toHaveText(`${expected.size} people will receive it.`);
  await frame.getByRole('tab', { name: 'People' }).click();
  await search.fill(first.lastName);
  await optionOf(frame, first).click();
  await expect(frame.getByTestId('recipient-count')).toHaveText(`${expected.size} people will receive it.`);

  const text = 'Quarterly meeting moved to 16:00 in the main hall.';
  await frame.getByLabel('Message').fill(text);
  await expect(frame.getByTestId('preview-title')).toHaveText('Team Push');
  await expect(frame.getByTestId('preview-text')).toHaveText(text);
  await expect(frame.getByTestId('text-counter')).toContainText(`${text.length} / 1,000 characters`);
  await screenshot(page, testInfo, 'composer-filled');

  await frame.getByRole('button', { name: 'Send', exact: true }).click();
  if (expected.size > 50) {
    const dialog = frame.getByRole('dialog', { name: 'Send this push?' });
    await expect(dialog).toContainText(`${expected.size} people`);
    await screenshot(page, testInfo, 'confirm-dialog');
    await dialog.getByRole('button', { name: `Send to ${expected.size} people` }).click();
  }
  await expect(frame.getByTestId('send-outcome')).toHaveText(`Accepted by Bitrix24 for ${expected.size} recipients. Bitrix24 confirms acceptance, not delivery.`, { timeout: 20_000 });
  const reachable = [...expected].filter((id) => p.directory.user(id)!.pushEnabled).sort((a, b) => a - b);
  expect(pushesOf(text)).toEqual(reachable);
  expect(p.pushes.filter((push) => push.text === text).every((push) => push.title === 'Team Push')).toBe(true);

  const phone = await context.newPage();
  await phone.goto(p.phoneUrl({ userId: reachable[0] }));
  await expect(phone.getByTestId('push-text').filter({ hasText: text })).toHaveCount(1);
});

test('Bitrix24\'s own access dialog: a department with sub-departments and a group are taken as they are', async ({ page }) => {
  const p = portal();
  const frame = await openApp(page);
  const department = p.directory.departments.find((d) => d.parent === 1)!;
  const group = p.directory.groups[0]!;
  await frame.getByRole('button', { name: 'Choose in Bitrix24…' }).click();
  // The dialog is the portal's, outside our iframe.
  await page.getByTestId('sim-access-tab-departments').click();
  await page.getByTestId(`sim-access-option-DR${department.id}`).check();
  await page.getByTestId('sim-access-tab-groups').click();
  await page.getByTestId(`sim-access-option-SG${group.id}`).check();
  await page.getByTestId('sim-access-dialog-ok').click();

  const inside = subtree(p, department.id);
  const expected = new Set(p.directory.users.filter((user) => isRecipient(user) && user.departments.some((d) => inside.has(d))).map((user) => user.id));
  for (const member of group.members) if (isRecipient(p.directory.user(member.userId)!)) expected.add(member.userId);
  await expect(frame.getByTestId('recipient-chips').locator('li')).toHaveCount(2);
  await expect(frame.getByTestId('recipient-chips')).toContainText(department.name);
  await expect(frame.getByTestId('recipient-chips')).toContainText(group.name);
  await expect(frame.getByTestId('recipient-count')).toHaveText(`${expected.size} people will receive it.`);
});

test('"Choose in Bitrix24…" cancelled: the portal never answers, and the composer stays usable', async ({ page }) => {
  // The real portal closes its access dialog on cancel and never calls the frame back (BX.Access's
  // callback runs only on "Select"): nothing may wait for that answer.
  const p = portal();
  const frame = await openApp(page);
  const choose = frame.getByRole('button', { name: 'Choose in Bitrix24…' });
  await choose.click();
  await expect(page.getByTestId('sim-access-dialog')).toBeVisible();
  await page.getByTestId('sim-access-dialog-cancel').click();
  await expect(page.getByTestId('sim-access-dialog')).toHaveCount(0);
  const shellLog = () => page.evaluate(() => (globalThis as unknown as { __simShell: { log: Array<{ command: string; answered: boolean }> } }).__simShell.log);
  expect((await shellLog()).filter((entry) => entry.command === 'selectAccess').map((entry) => entry.answered)).toEqual([false]);

  // Nothing is left disabled or busy: the other controls work, and so does a later pick in the dialog.
  await expect(frame.getByTestId('recipient-count')).toHaveText('Choose who gets the push.');
  const person = p.directory.users.find((user) => isRecipient(user) && user.id > 3 && user.position && uniquelyNamed(user))!;
  await frame.getByRole('combobox', { name: 'Search employees' }).fill(person.lastName);
  await optionOf(frame, person).click();
  await expect(frame.getByTestId('recipient-chips')).toContainText(fullName(person));
  await frame.getByLabel('Message').fill('Still usable');
  await expect(choose).toBeEnabled();
  await choose.click();
  const group = p.directory.groups[0]!;
  await page.getByTestId('sim-access-tab-groups').click();
  await page.getByTestId(`sim-access-option-SG${group.id}`).check();
  await page.getByTestId('sim-access-dialog-ok').click();
  await expect(frame.getByTestId('recipient-chips').locator('li')).toHaveCount(2);
  await expect(frame.getByTestId('recipient-chips')).toContainText(group.name);
  await expect(frame.getByTestId('recipient-chips')).toContainText(fullName(person));
  expect((await shellLog()).filter((entry) => entry.command === 'selectAccess').map((entry) => entry.answered)).toEqual([false, true]);
  await expect(frame.getByRole('button', { name: 'Send test to me' })).toBeEnabled();
});

test('an empty message and a bad avatar are refused with clear errors at their fields and nothing is sent', async ({ page }) => {
  const frame = await openApp(page);
  const before = portal().pushes.length;
  await frame.getByRole('button', { name: 'Send test to me' }).click();
  await expect(frame.getByTestId('field-error-text')).toHaveText('The message is empty. Write the text of the notification.');

  await frame.getByLabel('Message').fill('Avatar check');
  await expect(frame.getByTestId('field-error-text')).toHaveCount(0);
  await frame.getByLabel('Avatar URL').fill('http://images.example/logo.png');
  const avatarError = 'The avatar must be an https:// address that phones can load, at most 512 characters long.';
  await expect(frame.getByTestId('avatar-hint')).toHaveText(avatarError);
  await frame.getByRole('button', { name: 'Send test to me' }).click();
  await expect(frame.getByTestId('avatar-hint')).toHaveText(avatarError);
  await expect(frame.getByTestId('send-error')).toHaveCount(0);
  expect(portal().pushes.length).toBe(before);
});

test('Bitrix24 errors are shown as an admin can act on them: no app name, rate limit that does not clear', async ({ page }) => {
  const p = portal();
  const frame = await openApp(page);
  await frame.getByLabel('Message').fill('Error check');
  p.setAppName('');
  await frame.getByRole('button', { name: 'Send test to me' }).click();
  await expect(frame.getByTestId('send-error')).toContainText('Bitrix24 has no name for this app');
  p.setAppName('Team Push');

  await frame.getByLabel('Message').fill('Error check 2');
  p.injectFault({ method: 'pull.application.push.add', count: 20, httpStatus: 503, error: 'QUERY_LIMIT_EXCEEDED', description: 'Too many requests' });
  await frame.getByRole('button', { name: 'Send test to me' }).click();
  await expect(frame.getByTestId('send-error')).toContainText(/too many requests|limit/i, { timeout: 20_000 });
  p.clearFaults();
  expect(pushesOf('Error check')).toEqual([]);
  expect(pushesOf('Error check 2')).toEqual([]);
});

test('everybody asks for confirmation with the count; cancel sends nothing, confirm sends to all', async ({ page }, testInfo) => {
  const p = portal();
  const frame = await openApp(page);
  const everybody = p.directory.users.filter(isRecipient);
  await frame.getByRole('button', { name: 'All employees' }).click();
  await expect(frame.getByTestId('recipient-count')).toHaveText(`${everybody.length} people will receive it.`);
  const text = 'Office closed tomorrow.';
  await frame.getByLabel('Message').fill(text);
  await frame.getByRole('button', { name: 'Send', exact: true }).click();
  const dialog = frame.getByRole('dialog', { name: 'Send this push?' });
  await expect(dialog).toContainText(`all employees (${everybody.length} people)`);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  expect(pushesOf(text)).toEqual([]);

  await frame.getByRole('button', { name: 'Send', exact: true }).dblclick();
  await dialog.getByRole('button', { name: `Send to ${everybody.length} people` }).click();
  await expect(frame.getByTestId('send-outcome')).toContainText(`for ${everybody.length} recipients`, { timeout: 20_000 });
  expect(pushesOf(text)).toEqual(everybody.filter((user) => user.pushEnabled).map((user) => user.id));
  await screenshot(page, testInfo, 'sent-to-everybody');
});

test('schedule for later, see it in the history, cancel it: nothing is sent', async ({ page }, testInfo) => {
  const frame = await openApp(page);
  const target = portal().directory.users.filter((user) => isRecipient(user) && uniquelyNamed(user)).at(-1)!;
  await frame.getByRole('combobox', { name: 'Search employees' }).fill(target.lastName);
  await optionOf(frame, target).click();
  const text = 'Reminder: timesheets are due tonight.';
  await frame.getByLabel('Message').fill(text);
  const inTwoHours = await frame.locator('body').evaluate(() => {
    const at = new Date(Date.now() + 2 * 3_600_000);
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
  });
  await frame.getByLabel('Send at').fill(inTwoHours);
  await frame.getByRole('button', { name: 'Schedule' }).click();
  // A schedule is always confirmed (issue 20): the recap says when.
  const dialog = frame.getByRole('dialog', { name: 'Schedule this push?' });
  await expect(dialog.getByTestId('confirm-when')).not.toHaveText('Now');
  await dialog.getByRole('button', { name: 'Schedule for 1 person' }).click();
  await expect(frame.getByTestId('send-outcome')).toContainText('Scheduled for');

  await frame.getByRole('tab', { name: 'History' }).click();
  const row = frame.getByTestId('history-row').filter({ hasText: text });
  await expect(row).toHaveAttribute('data-status', 'scheduled');
  await screenshot(page, testInfo, 'history-scheduled');
  await row.getByRole('button', { name: 'Cancel' }).click();
  await frame.getByRole('dialog', { name: 'Cancel this send?' }).getByRole('button', { name: 'Cancel the send' }).click();
  await expect(row).toHaveAttribute('data-status', 'cancelled');
  expect(pushesOf(text)).toEqual([]);
});

test('the history lists what was sent, by whom, to how many; "send again" fills the composer', async ({ page }, testInfo) => {
  const frame = await openApp(page);
  await frame.getByRole('tab', { name: 'History' }).click();
  const row = frame.getByTestId('history-row').filter({ hasText: 'Office closed tomorrow.' });
  await expect(row).toHaveAttribute('data-status', 'sent');
  await expect(row).toContainText('All employees');
  await expect(row).toContainText(fullName(admin()));
  await screenshot(page, testInfo, 'history');
  await row.getByRole('button', { name: 'Send again' }).click();
  await expect(frame.getByLabel('Message')).toHaveValue('Office closed tomorrow.');
  await expect(frame.getByTestId('recipient-chips')).toContainText('All employees');
});

test('the UI speaks Russian on a Russian portal', async ({ page }, testInfo) => {
  const frame = await openApp(page, { lang: 'ru' });
  await expect(frame.getByRole('tab', { name: 'Новое уведомление' })).toBeVisible();
  await expect(frame.getByRole('combobox', { name: 'Поиск сотрудников' })).toBeVisible();
  await expect(frame.getByLabel('Сообщение', { exact: true })).toBeVisible();
  await frame.getByRole('button', { name: 'Все сотрудники' }).click();
  await expect(frame.getByTestId('recipient-count')).toContainText('Уведомление получ');
  await screenshot(page, testInfo, 'composer-ru');
});

test('a non-admin is told only administrators send, with no send controls', async ({ page }, testInfo) => {
  const employee = portal().directory.users.find((user) => isRecipient(user) && !user.admin)!;
  const frame = await openApp(page, { userId: employee.id });
  await expect(frame.getByTestId('not-admin')).toContainText('Only portal administrators can send push notifications.');
  await expect(frame.getByRole('button', { name: /Send/ })).toHaveCount(0);
  await expect(frame.getByRole('combobox')).toHaveCount(0);
  await screenshot(page, testInfo, 'non-admin');
});

test('keyboard only: find a person, write, send a test, and read the outcome without a mouse', async ({ page }) => {
  const p = portal();
  const target = p.directory.users.filter((user) => isRecipient(user) && uniquelyNamed(user) && user.pushEnabled && user.id > 3).at(-2)!;
  const frame = await openApp(page);
  const search = frame.getByRole('combobox', { name: 'Search employees' });
  await search.focus();
  await page.keyboard.type(target.lastName);
  await expect(optionOf(frame, target)).toBeVisible();
  // Walk down to the person with the arrow keys, pick with Enter.
  for (let i = 0; i < 20 && (await frame.locator('[role="option"][aria-selected="true"]').textContent())?.startsWith(fullName(target)) !== true; i++) {
    await page.keyboard.press('ArrowDown');
  }
  await page.keyboard.press('Enter');
  await expect(frame.getByTestId('recipient-chips')).toContainText(fullName(target));
  await expect(frame.getByTestId('recipient-count')).toHaveText('1 person will receive it.');
  // Tab on to the message; type; tab on to Send and press Enter.
  const tabTo = async (target: Locator) => {
    for (let presses = 0; presses < 30; presses++) {
      if (await target.evaluate((element) => element === element.ownerDocument.activeElement)) return;
      await page.keyboard.press('Tab');
    }
    throw new Error('not reachable with Tab');
  };
  await tabTo(frame.getByLabel('Message'));
  const text = 'Keyboard only works.';
  await page.keyboard.type(text);
  await tabTo(frame.getByRole('button', { name: 'Send', exact: true }));
  await page.keyboard.press('Enter');
  await expect(frame.getByTestId('send-outcome')).toHaveText('Accepted by Bitrix24 for 1 recipient. Bitrix24 confirms acceptance, not delivery.', { timeout: 20_000 });
  expect(pushesOf(text)).toEqual([target.id]);
});

test('fits the mobile app’s width: nothing scrolls sideways at 375 px, the preview goes below the message', async ({ page }, testInfo) => {
  // The simulated portal's menu and margins take 268 px; the iframe gets the rest.
  await page.setViewportSize({ width: 375 + 268, height: 1700 });
  const frame = await openApp(page);
  await frame.getByRole('button', { name: 'All employees' }).click();
  await frame.getByLabel('Message').fill('A long message that wraps on a narrow phone screen without pushing anything sideways.');
  const layout = await frame.locator('body').evaluate(() => ({
    width: document.documentElement.clientWidth,
    scrollWidth: document.documentElement.scrollWidth,
    previewTop: document.querySelector('[data-testid="phone-preview"]')!.getBoundingClientRect().top,
    messageBottom: document.querySelector('textarea')!.getBoundingClientRect().bottom,
  }));
  expect(layout.width).toBeLessThanOrEqual(380);
  expect(layout.scrollWidth).toBeLessThanOrEqual(layout.width);
  expect(layout.previewTop).toBeGreaterThan(layout.messageBottom);
  // The portal's iframe grows to the content (fitWindow), so the Send button is reachable without an inner scrollbar.
  await expect
    .poll(async () => {
      const content = await frame.locator('body').evaluate(() => document.documentElement.scrollHeight);
      const box = await page.getByTestId('portal-app-frame').boundingBox();
      return Math.round(box?.height ?? 0) >= content;
    })
    .toBe(true);
  await screenshot(page, testInfo, 'composer-mobile');
});

test('axe finds no serious or critical accessibility problems in the composer and the history, light and dark', async ({ page }) => {
  const frame = await openApp(page);
  await frame.getByRole('button', { name: 'All employees' }).click();
  await frame.getByLabel('Message').fill('Accessibility check');
  const check = async () => {
    const results = await new AxeBuilder({ page }).include(['iframe[data-testid="portal-app-frame"]', 'main']).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    return results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical').map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
  };
  expect(await check()).toEqual([]);
  await page.emulateMedia({ colorScheme: 'dark' });
  expect(await check()).toEqual([]);
  await page.emulateMedia({ colorScheme: 'light' });
  await frame.getByRole('button', { name: 'Send test to me' }).click();
  await expect(frame.getByTestId('send-outcome')).toBeVisible();
  await frame.getByRole('tab', { name: 'History' }).click();
  await expect(frame.getByTestId('history-row').first()).toBeVisible();
  expect(await check()).toEqual([]);
  await page.emulateMedia({ colorScheme: 'dark' });
  expect(await check()).toEqual([]);
});
