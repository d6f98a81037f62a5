import { randomUUID } from 'node:crypto';
import { test, expect, type FrameLocator, type Page } from '@playwright/test';
import { startStack, type Stack } from '../scripts/stack.js';
import type { DirectoryUser } from '../simulator/contract.js';
import { firstAdmin, isRecipient } from '../test/support/directory.js';
import * as de from '../contract/texts/de.js';
import * as ru from '../contract/texts/ru.js';

/**
 * Issue 20, section 3 "Errors in the admin's language", in Chromium, in Russian and German: a send the
 * server refuses for one of its fields is shown at that field, in the portal's language, naming the
 * field as the admin knows it; what the composer can check itself (an empty or too long message, a
 * send time in the past or more than a year ahead) is shown there before anything is sent, in the same
 * words; a refusal without a field (Bitrix24's) is in the same language; and so is the page the app
 * answers when it cannot serve an opening. The expected texts are read from contract/texts/, the one
 * file per language the server and the frame both take them from.
 */

let stack: Stack;

test.beforeAll(async () => {
  stack = await startStack({
    portals: [
      { label: 'acme', users: 30, seed: 7, language: 'ru' },
      { label: 'stranger', users: 10, language: 'de', preinstalled: true },
    ],
    sends: { backoffMs: () => 100, answerWithinMs: 5_000 },
  });
});

test.afterAll(async () => {
  await stack?.close();
});

test.describe.configure({ mode: 'serial' });

const UI = {
  ru: { compose: 'Новое уведомление', message: 'Сообщение', search: 'Поиск сотрудников', sendAt: 'Отправить в', schedule: 'Запланировать', test: 'Отправить тест себе' },
  de: { compose: 'Neuer Push', message: 'Nachricht', search: 'Mitarbeiter suchen', sendAt: 'Senden am', schedule: 'Planen', test: 'Test an mich senden' },
} as const;
type Lang = keyof typeof UI;

const portal = () => stack.sim.portal('acme');
const admin = () => firstAdmin(portal());
const fullName = (user: DirectoryUser) => [user.name, user.lastName].filter(Boolean).join(' ');
const appFrame = (page: Page) => page.frameLocator('iframe[data-testid="portal-app-frame"]');
const person = () => portal().directory.users.find((user) => isRecipient(user) && !user.admin && user.position && portal().directory.users.filter((other) => fullName(other) === fullName(user)).length === 1)!;

async function openApp(page: Page, lang: Lang): Promise<FrameLocator> {
  await page.goto(portal().shellUrl({ userId: admin().id, lang }));
  await page.getByTestId('portal-menu-app').click();
  const frame = appFrame(page);
  await expect(frame.getByRole('tab', { name: UI[lang].compose })).toBeVisible({ timeout: 20_000 });
  return frame;
}

async function pickPerson(frame: FrameLocator, lang: Lang, user: DirectoryUser): Promise<void> {
  await frame.getByRole('combobox', { name: UI[lang].search }).fill(user.lastName);
  await frame.getByRole('option', { name: `${fullName(user)} ${user.position}`.trim(), exact: true }).first().click();
  await expect(frame.getByTestId('recipient-chips')).toContainText(fullName(user));
}

/** A `datetime-local` value `ms` from the page's own clock, in its time zone. */
function localInput(frame: FrameLocator, ms: number): Promise<string> {
  return frame.locator('body').evaluate((_body, offset) => {
    const at = new Date(Date.now() + offset);
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
  }, ms);
}

/** POST /api/sends requests the page makes from now on. */
function countSends(page: Page): () => number {
  let count = 0;
  page.on('request', (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname === '/api/sends') count += 1;
  });
  return () => count;
}

const HOUR = 3_600_000;

test('installed from the Market card', async ({ page }) => {
  await page.goto(portal().shellUrl({ userId: admin().id, lang: 'en' }));
  await page.getByTestId('portal-menu-market').click();
  await page.getByTestId('portal-install').click();
  await expect(appFrame(page).getByRole('tab', { name: 'New push' })).toBeVisible({ timeout: 20_000 });
});

test('[ru] a send the server refuses for its send time (the admin’s clock is two hours slow): shown at that field, in Russian, naming it as the admin knows it', async ({ page }) => {
  // By the browser's clock an hour ahead passes the composer's own check; by the server's it is an hour ago.
  await page.clock.setFixedTime(Date.now() - 2 * HOUR);
  const sends = countSends(page);
  const frame = await openApp(page, 'ru');
  const text = `Часы отстают ${randomUUID().slice(0, 8)}`;
  await frame.getByLabel(UI.ru.message, { exact: true }).fill(text);
  await pickPerson(frame, 'ru', person());
  const sendAt = frame.getByLabel(UI.ru.sendAt, { exact: true });
  await sendAt.fill(await localInput(frame, HOUR));
  await expect(frame.getByTestId('field-error-sendAt')).toHaveCount(0);
  await frame.getByRole('button', { name: UI.ru.schedule, exact: true }).click();
  const dialog = frame.getByTestId('confirm-dialog');
  await dialog.getByRole('button', { name: /^Запланировать: / }).click();

  const error = frame.getByTestId('field-error-sendAt');
  await expect(error).toHaveText(ru.errors.SEND_AT_INVALID, { timeout: 15_000 });
  await expect(error).toContainText('Время отправки');
  await expect(sendAt).toHaveAttribute('aria-invalid', 'true');
  await expect(frame.getByTestId('send-error')).toHaveCount(0);
  expect(sends()).toBe(1);
  // Nothing of the request's own words, nothing in English.
  const shown = await frame.locator('form.composer').innerText();
  expect(shown).not.toMatch(/sendAt|\{"|must|minute/);
  expect(portal().pushes.filter((push) => push.text === text)).toEqual([]);

  // Changing the time takes the refusal back.
  await sendAt.fill(await localInput(frame, 3 * HOUR));
  await expect(error).toHaveCount(0);
});

test('[ru] a refusal without a field (Bitrix24 has no name for the app) is in Russian too', async ({ page }) => {
  const frame = await openApp(page, 'ru');
  await frame.getByLabel(UI.ru.message, { exact: true }).fill(`Без названия ${randomUUID().slice(0, 8)}`);
  portal().setAppName('');
  try {
    await frame.getByRole('button', { name: UI.ru.test, exact: true }).click();
    const error = frame.getByTestId('send-error');
    await expect(error).toHaveText(ru.errors.APP_NAME_EMPTY, { timeout: 15_000 });
    await expect(error).toHaveAttribute('data-code', 'APP_NAME_EMPTY');
  } finally {
    portal().setAppName('Team Push');
  }
});

test('[de] checked before sending: an empty message, one over 1,000 characters, a time in the past or over a year ahead are shown at their fields in German, and nothing goes to the server', async ({ page }) => {
  const sends = countSends(page);
  const frame = await openApp(page, 'de');
  const message = frame.getByLabel(UI.de.message, { exact: true });
  const textError = frame.getByTestId('field-error-text');

  // Send test to me with no message: the field says so; nothing is asked.
  await frame.getByRole('button', { name: UI.de.test, exact: true }).click();
  await expect(textError).toHaveText(de.errors.TEXT_EMPTY);
  await expect(textError).toContainText('Nachricht');
  await expect(message).toHaveAttribute('aria-invalid', 'true');

  // One character over the limit (ASCII, so the iPhone budget is not what stops it): shown while typing.
  await message.fill('a'.repeat(1001));
  await expect(textError).toHaveText(de.errors.TEXT_TOO_LONG);
  await frame.getByRole('button', { name: UI.de.test, exact: true }).click();
  await expect(textError).toHaveText(de.errors.TEXT_TOO_LONG);
  await message.fill('a'.repeat(1000));
  await expect(textError).toHaveCount(0);

  // A time an hour ago, and one 400 days ahead: the send-time field says so, and Planen stays disabled.
  await message.fill(`Zeitprüfung ${randomUUID().slice(0, 8)}`);
  await pickPerson(frame, 'de', person());
  const sendAt = frame.getByLabel(UI.de.sendAt, { exact: true });
  const timeError = frame.getByTestId('field-error-sendAt');
  const schedule = frame.getByRole('button', { name: UI.de.schedule, exact: true });
  for (const offset of [-HOUR, 400 * 24 * HOUR]) {
    await sendAt.fill(await localInput(frame, offset));
    await expect(timeError).toHaveText(de.errors.SEND_AT_INVALID);
    await expect(timeError).toContainText('Sendezeitpunkt');
    await expect(schedule).toBeDisabled();
    await schedule.click({ force: true });
    await expect(frame.getByTestId('confirm-dialog')).toBeHidden();
  }
  await sendAt.fill(await localInput(frame, 2 * HOUR));
  await expect(timeError).toHaveCount(0);
  await expect(schedule).toBeEnabled();
  expect(sends()).toBe(0);
});

test('[de] the page the app answers when it cannot serve an opening (a portal it does not know) is in German', async ({ page }) => {
  const stranger = stack.sim.portal('stranger');
  await page.goto(stranger.shellUrl({ userId: firstAdmin(stranger).id, lang: 'de' }));
  await page.getByTestId('portal-menu-app').click();
  const alert = appFrame(page).getByRole('alert');
  await expect(alert).toContainText(de.refusalPages.not_installed.title, { timeout: 20_000 });
  await expect(alert).toContainText(de.refusalPages.not_installed.todo);
  await expect(appFrame(page).locator('html')).toHaveAttribute('lang', 'de');
});
