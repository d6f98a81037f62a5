import { randomUUID } from 'node:crypto';
import { test, expect, type FrameLocator, type Locator, type Page } from '@playwright/test';
import { AxeBuilder } from '@axe-core/playwright';
import { startStack, type Stack } from '../scripts/stack.js';
import type { DirectoryUser } from '../simulator/contract.js';
import { timeZonesOf } from '../simulator/methods/users.js';
import type { SendView } from '../contract/sends.js';
import { firstAdmin, isRecipient } from '../test/support/directory.js';

/**
 * Issue 20, section 2 "History you can trust", in Chromium, acting like impatient people (clicking twice,
 * at 400 px, in Russian and German too):
 * - times: a scheduled, a sent and a cancelled send each show when they were created, scheduled for and
 *   sent or cancelled, as they are, in the admin's Bitrix24 time zone (by name, or the portal's offset
 *   when the admin has none), never the browser's (this browser runs in America/Los_Angeles), and say
 *   which zone;
 * - cancel asks first (Escape, "Keep it", a double click and Enter never cancel);
 * - the audience by name; long texts shortened, readable whole; tests marked and hideable; paging;
 * - at 400 px: cards, with Status and Actions in view; axe clean, light and dark.
 */

test.use({ timezoneId: 'America/Los_Angeles' });
test.describe.configure({ mode: 'serial' });

/** The portal's clock, which the app uses too: real time, plus a shift a test moves on to make a scheduled send due. */
const portalClock = { shift: 0, now: () => Date.now() + portalClock.shift };

let stack: Stack;

test.beforeAll(async () => {
  stack = await startStack({
    clock: portalClock,
    portals: [{ label: 'hist', users: 80, seed: 7, language: 'en' }],
    sends: { backoffMs: () => 100, answerWithinMs: 2_000 },
    // The tests make a few dozen sends through the API at once.
    apiRateLimits: { user: { burst: 500, perSecond: 100 }, portal: { burst: 1_000, perSecond: 200 } },
  });
});

test.afterAll(async () => {
  await stack?.close();
});

type Lang = 'en' | 'ru' | 'de';
const portal = () => stack.sim.portal('hist');
const admin = () => firstAdmin(portal());
const zones = () => timeZonesOf(portal().directory);
const fullName = (user: DirectoryUser) => [user.name, user.lastName].filter(Boolean).join(' ');
const people = () => portal().directory.users.filter((user) => isRecipient(user) && !user.admin);
const appFrame = (page: Page) => page.frameLocator('iframe[data-testid="portal-app-frame"]');
const pushedTo = (text: string) =>
  portal()
    .pushes.filter((push) => push.text === text)
    .map((push) => push.userId);

async function openHistory(page: Page, lang: Lang, width?: number): Promise<FrameLocator> {
  // The simulated portal's menu and margins take 268 px; the iframe gets the rest.
  if (width) await page.setViewportSize({ width: width + 268, height: 1400 });
  await page.goto(portal().shellUrl({ userId: admin().id, lang }));
  await page.getByTestId('portal-menu-app').click();
  const frame = appFrame(page);
  await frame.getByRole('tab', { name: { en: 'History', ru: 'История', de: 'Verlauf' }[lang] }).click();
  await expect(frame.getByTestId('history-zone')).toBeVisible({ timeout: 20_000 });
  return frame;
}

async function api<T>(path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${stack.appUrl}/api/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { Authorization: `Bearer ${portal().issueTokens(admin().id).access_token}`, 'X-B24-Member-Id': portal().memberId, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function createSend(body: Record<string, unknown>): Promise<SendView> {
  const created = await api<{ send: SendView }>('sends', { idempotencyKey: randomUUID(), ...body });
  expect([201, 202]).toContain(created.status);
  return created.body.send;
}

const sendNow = async (id: string) => (await api<{ send: SendView }>(`sends/${id}`)).body.send;

/** A whole minute at least `minutes` ahead of the portal's clock, as ISO. */
const minutesAhead = (minutes: number) => new Date(Math.ceil((portalClock.now() + minutes * 60_000) / 60_000) * 60_000).toISOString();

/** ISO wall time in a zone with a fixed offset, as <time dateTime> carries it. */
function isoAt(at: number, offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${new Date(at + offsetMinutes * 60_000).toISOString().slice(0, 16)}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** The time as this browser's Intl writes it in `zone` (not in its own zone, America/Los_Angeles). */
const written = (page: Page, at: number, zone: string, lang: Lang) =>
  page.evaluate(([at, zone, lang]) => new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short', timeZone: zone }).format(at), [at, zone, lang] as const);

type Shown = { kind: 'created' | 'scheduled' | 'ended'; label: string; at: number };

async function expectTimes(page: Page, row: Locator, shown: Shown[], zone: { name: string; offsetMinutes: number; lang: Lang }): Promise<void> {
  const times = row.getByTestId('history-time');
  await expect(times).toHaveCount(shown.length);
  for (const [index, { kind, label, at }] of shown.entries()) {
    const item = times.nth(index);
    await expect(item).toHaveAttribute('data-kind', kind);
    await expect(item.locator('time')).toHaveAttribute('datetime', isoAt(at, zone.offsetMinutes));
    await expect(item).toHaveText(`${label} ${await written(page, at, zone.name, zone.lang)}`);
  }
}

const state: { sent?: SendView; cancelled?: SendView; pending?: SendView; texts: Record<string, string> } = { texts: {} };

test('installed from the Market card', async ({ page }) => {
  await page.goto(portal().shellUrl({ userId: admin().id }));
  await page.getByTestId('portal-menu-market').click();
  await page.getByTestId('portal-install').click();
  await expect(appFrame(page).getByRole('tab', { name: 'New push' })).toBeVisible({ timeout: 20_000 });
});

test('[en] History times across a scheduled, a sent and a cancelled send: created, scheduled and sent/cancelled as they are, in the admin’s Bitrix24 zone by name; cancel asks first', async ({ page }, testInfo) => {
  zones().users.set(admin().id, 'Asia/Kathmandu');
  const kathmandu = { name: 'Asia/Kathmandu', offsetMinutes: 5 * 60 + 45, lang: 'en' as const };
  const [first, second, third] = people();
  const tag = randomUUID().slice(0, 8);
  const texts = { sent: `Due in three minutes ${tag}`, cancelled: `Cancelled later ${tag}`, pending: `Tomorrow ${tag}` };
  state.texts = texts;

  // Scheduled three minutes ahead, then the portal's clock moves on five: it goes (the 7:22 send of 7:19).
  const due = await createSend({ text: texts.sent, audience: { users: [first!.id] }, sendAt: minutesAhead(3) });
  const cancelled = await createSend({ text: texts.cancelled, audience: { users: [second!.id] }, sendAt: minutesAhead(120) });
  const pending = await createSend({ text: texts.pending, audience: { users: [third!.id] }, sendAt: minutesAhead(24 * 60) });
  portalClock.shift += 5 * 60_000;
  await stack.parts.scheduler!.tick();
  await expect.poll(async () => (await sendNow(due.id)).status, { timeout: 20_000 }).toBe('sent');
  const sent = await sendNow(due.id);
  expect(sent.sendAt! - sent.createdAt).toBeGreaterThanOrEqual(2 * 60_000);
  expect(sent.finishedAt!).toBeGreaterThanOrEqual(sent.sendAt!);
  state.sent = sent;
  state.pending = pending;

  const frame = await openHistory(page, 'en');
  await expect(frame.getByTestId('history-zone')).toHaveText('Times are in Asia/Kathmandu (UTC+05:45), your Bitrix24 time zone.');
  const rowOf = (text: string) => frame.getByTestId('history-row').filter({ hasText: text });

  // Sent: when it was created, the time it was scheduled for (not its creation time), and when it was sent.
  await expect(rowOf(texts.sent)).toHaveAttribute('data-status', 'sent');
  await expectTimes(
    page,
    rowOf(texts.sent),
    [
      { kind: 'created', label: 'Created', at: sent.createdAt },
      { kind: 'scheduled', label: 'Scheduled for', at: sent.sendAt! },
      { kind: 'ended', label: 'Sent', at: sent.finishedAt! },
    ],
    kathmandu,
  );
  await expectTimes(
    page,
    rowOf(texts.pending),
    [
      { kind: 'created', label: 'Created', at: pending.createdAt },
      { kind: 'scheduled', label: 'Scheduled for', at: pending.sendAt! },
    ],
    kathmandu,
  );

  // Cancel asks first: Escape keeps it; a double click opens one question and never answers it; Enter starts on "Keep it".
  const row = rowOf(texts.cancelled);
  const question = frame.getByRole('dialog', { name: 'Cancel this send?' });
  await row.getByRole('button', { name: 'Cancel' }).click();
  await expect(question).toContainText(`It was to go on ${await written(page, cancelled.sendAt!, kathmandu.name, 'en')}.`);
  await expect(question.getByTestId('cancel-text')).toHaveText(texts.cancelled);
  await expect(question.getByTestId('cancel-audience')).toHaveText(fullName(second!));
  await page.keyboard.press('Escape');
  await expect(question).toBeHidden();
  await row.getByRole('button', { name: 'Cancel' }).dblclick();
  await expect(question).toBeVisible();
  await question.getByRole('button', { name: 'Cancel the send' }).dispatchEvent('click', { detail: 2 });
  await expect(question.getByRole('button', { name: 'Keep it' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(question).toBeHidden();
  expect((await sendNow(cancelled.id)).status).toBe('scheduled');
  await expect(row).toHaveAttribute('data-status', 'scheduled');

  await row.getByRole('button', { name: 'Cancel' }).click();
  await question.getByRole('button', { name: 'Cancel the send' }).click();
  await expect(row).toHaveAttribute('data-status', 'cancelled');
  const afterCancel = await sendNow(cancelled.id);
  state.cancelled = afterCancel;
  // A cancelled send keeps the time it was scheduled for.
  await expectTimes(
    page,
    row,
    [
      { kind: 'created', label: 'Created', at: afterCancel.createdAt },
      { kind: 'scheduled', label: 'Scheduled for', at: afterCancel.sendAt! },
      { kind: 'ended', label: 'Cancelled', at: afterCancel.finishedAt! },
    ],
    kathmandu,
  );

  const path = testInfo.outputPath('history-times-en.png');
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach('history-times-en', { path, contentType: 'image/png' });

  expect(pushedTo(texts.sent)).toEqual([first!.id]);
  expect(pushedTo(texts.cancelled)).toEqual([]);
  expect(pushedTo(texts.pending)).toEqual([]);
});

test('[de, 400 px] an admin without a zone of their own sees the portal’s offset ("UTC+03:00"), on cards with Status and Actions in view; cancelling from a card asks first; axe clean, light and dark', async ({ page }, testInfo) => {
  zones().users.delete(admin().id);
  zones().portal = 'Europe/Moscow';
  const moscow = { name: 'Europe/Moscow', offsetMinutes: 3 * 60, lang: 'de' as const };
  const { sent, pending, texts } = state;
  const frame = await openHistory(page, 'de', 400);
  await expect(frame.getByTestId('history-zone')).toHaveText('Zeiten in UTC+03:00, Ihrer Zeitzone in Bitrix24.');
  await expect(frame.locator('table')).toHaveCount(0);
  const rowOf = (text: string) => frame.locator('li[data-testid="history-row"]').filter({ hasText: text });
  await expectTimes(
    page,
    rowOf(texts.sent!),
    [
      { kind: 'created', label: 'Erstellt', at: sent!.createdAt },
      { kind: 'scheduled', label: 'Geplant für', at: sent!.sendAt! },
      { kind: 'ended', label: 'Gesendet', at: sent!.finishedAt! },
    ],
    moscow,
  );

  // Status and both actions are on screen, inside the frame, without scrolling sideways.
  const frameBox = (await page.getByTestId('portal-app-frame').boundingBox())!;
  const card = rowOf(texts.pending!);
  for (const part of [card.getByTestId('history-status'), card.getByRole('button', { name: 'Abbrechen' }), card.getByRole('button', { name: 'Erneut senden' })]) {
    await expect(part).toBeInViewport();
    const box = (await part.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(frameBox.x);
    expect(box.x + box.width).toBeLessThanOrEqual(frameBox.x + frameBox.width + 1);
  }
  expect(await frame.locator('body').evaluate((body) => body.ownerDocument.documentElement.scrollWidth <= body.ownerDocument.documentElement.clientWidth)).toBe(true);

  const axe = async () => {
    const results = await new AxeBuilder({ page }).include(['iframe[data-testid="portal-app-frame"]', 'main']).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    return results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical').map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
  };

  // Cancel from a card, double clicked: one question, which fits the frame; nothing is cancelled until it is answered.
  await card.getByRole('button', { name: 'Abbrechen' }).dblclick();
  const question = frame.getByRole('dialog', { name: 'Diesen Versand abbrechen?' });
  await expect(question).toContainText(`Er sollte am ${await written(page, pending!.sendAt!, moscow.name, 'de')} gesendet werden.`);
  const box = (await question.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(frameBox.x);
  expect(box.x + box.width).toBeLessThanOrEqual(frameBox.x + frameBox.width + 1);
  await expect(question.getByRole('button', { name: 'Versand abbrechen' })).toBeInViewport();
  await expect(question.getByRole('button', { name: 'Nicht abbrechen' })).toBeFocused();
  const path = testInfo.outputPath('history-cancel-de-400.png');
  await page.screenshot({ path });
  await testInfo.attach('history-cancel-de-400', { path, contentType: 'image/png' });
  expect((await sendNow(pending!.id)).status).toBe('scheduled');
  // The cards and the question are accessible (axe: no serious or critical problems), light and dark.
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    expect(await axe()).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  // (By keyboard: after axe, Chromium here no longer routes clicks into the cross-origin frame.)
  await page.keyboard.press('Shift+Tab');
  await expect(question.getByRole('button', { name: 'Versand abbrechen' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(card).toHaveAttribute('data-status', 'cancelled');
  await expect(card.getByRole('button', { name: 'Abbrechen' })).toHaveCount(0);
  expect((await sendNow(pending!.id)).status).toBe('cancelled');
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    expect(await axe()).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  zones().portal = '';
});

test('[ru] the audience by name, a long text shortened and readable whole, tests marked and hidden at will (still hidden after going to the composer and back)', async ({ page }) => {
  const p = portal();
  const department = p.directory.departments.find((d) => d.parent !== null)!;
  const [group] = p.directory.groups;
  const six = people().slice(0, 6);
  const tag = randomUUID().slice(0, 8);
  const toDepartment = await createSend({ text: `Отделу ${tag}`, audience: { departments: [{ id: department.id }] }, sendAt: minutesAhead(600) });
  await createSend({ text: `Отделу с подотделами и группе ${tag}`, audience: { departments: [{ id: department.id, withSubdepartments: true }], groups: [group!.id] }, sendAt: minutesAhead(600) });
  await createSend({ text: `Шестерым ${tag}`, audience: { users: six.map((user) => user.id) }, sendAt: minutesAhead(600) });
  const long = `Длинное сообщение ${tag}: ${'очень важный текст, который не помещается в строку истории; '.repeat(6)}конец.`;
  await createSend({ text: long, testToSelf: true });

  const frame = await openHistory(page, 'ru');
  const rowOf = (text: string) => frame.getByTestId('history-row').filter({ hasText: text });
  await expect(frame.locator(`[data-send-id="${toDepartment.id}"]`).getByTestId('history-audience')).toHaveText(department.name);
  await expect(rowOf(`Отделу с подотделами и группе ${tag}`).getByTestId('history-audience')).toHaveText(`${department.name} и его подотделы, ${group!.name}`);
  await expect(rowOf(`Шестерым ${tag}`).getByTestId('history-audience')).toHaveText(`${six.slice(0, 3).map(fullName).join(', ')} и ещё 3`);

  // The long test: marked, shortened with "…", whole on request, short again.
  const test = frame.locator('[data-test-send="true"]').filter({ hasText: `Длинное сообщение ${tag}` });
  await expect(test.getByTestId('history-test')).toHaveText('Тест');
  await expect(test.getByTestId('history-audience')).toHaveText('Тест отправителю');
  const text = test.getByTestId('history-text');
  await expect(text).toHaveText(/…$/);
  expect((await text.textContent())!.length).toBeLessThan(long.length);
  const whole = test.getByRole('button', { name: 'Показать сообщение целиком' });
  await expect(whole).toHaveAttribute('aria-expanded', 'false');
  await whole.click();
  await expect(text).toHaveText(long);
  await test.getByRole('button', { name: 'Свернуть' }).click();
  await expect(text).toHaveText(/…$/);

  // Hide the tests: only real sends stay, page after page; the choice lasts when the admin comes back.
  const hide = frame.getByLabel('Скрыть тесты себе');
  await hide.check();
  await expect(frame.locator('[data-test-send="true"]')).toHaveCount(0);
  await expect(rowOf(`Шестерым ${tag}`)).toBeVisible();
  await frame.getByRole('tab', { name: 'Новое уведомление' }).click();
  await frame.getByRole('tab', { name: 'История' }).click();
  await expect(frame.getByLabel('Скрыть тесты себе')).toBeChecked();
  await expect(rowOf(`Шестерым ${tag}`)).toBeVisible();
  await expect(frame.locator('[data-test-send="true"]')).toHaveCount(0);
  await frame.getByLabel('Скрыть тесты себе').uncheck();
  await expect(test).toBeVisible();
});

test('[en] beyond the first page: "Show older" double clicked loads the next page once, and then the rest, each send once', async ({ page }) => {
  for (let i = 0; i < 50; i += 1) await createSend({ text: `Paging ${i}`, audience: { users: [people()[0]!.id] }, sendAt: minutesAhead(900) });
  const total = (await api<{ sends: SendView[] }>('sends?limit=100')).body.sends.length;
  expect(total).toBeGreaterThan(40);
  expect(total).toBeLessThan(60);
  const frame = await openHistory(page, 'en');
  const rows = frame.getByTestId('history-row');
  await expect(rows).toHaveCount(20);
  const more = frame.getByRole('button', { name: 'Show older' });
  await more.dblclick();
  await expect(rows).toHaveCount(40);
  // The second click asked for nothing more: still two pages a moment later.
  await page.waitForTimeout(1_000);
  await expect(rows).toHaveCount(40);
  await more.click();
  await expect(rows).toHaveCount(total);
  await expect(more).toHaveCount(0);
  const ids = await rows.evaluateAll((elements) => elements.map((element) => element.getAttribute('data-send-id')));
  expect(new Set(ids).size).toBe(total);
});
