import { test, expect, type Page } from '@playwright/test';
import { startStack, type Stack } from '../scripts/stack.js';
import { firstAdmin } from '../test/support/directory.js';

/**
 * A busy portal in Chromium: the token check meets QUERY_LIMIT_EXCEEDED (waited out) and the push meets
 * OPERATION_TIME_LIMIT (the send pauses until Bitrix24 releases the method, then resumes by itself).
 * The push lands exactly once and the history says what happened.
 */

let stack: Stack;

test.beforeAll(async () => {
  stack = await startStack({ portals: [{ label: 'busy', users: 40, language: 'en' }] });
});

test.afterAll(async () => {
  await stack?.close();
});

const portal = () => stack.sim.portal('busy');
const appFrame = (page: Page) => page.frameLocator('iframe[data-testid="portal-app-frame"]');

test('a send that meets a 503 on its token check and a 429 on its push lands exactly once; the history says it was paused', async ({ page }) => {
  const admin = firstAdmin(portal());
  await page.goto(portal().shellUrl({ userId: admin.id }));
  await page.getByTestId('portal-menu-market').click();
  await page.getByTestId('portal-install').click();
  const frame = appFrame(page);
  await expect(frame.getByRole('tab', { name: 'New push' })).toBeVisible({ timeout: 20_000 });

  // The portal's request bucket is full for the next token checks, and the push method is blocked for a few seconds.
  portal().injectFault({ method: 'profile', count: 2, httpStatus: 503, error: 'QUERY_LIMIT_EXCEEDED', description: 'Too many requests' });
  const releasedAt = Date.now() + 4_000;
  portal().blockMethod('pull.application.push.add', releasedAt);

  const text = `Busy portal ${Date.now()}`;
  await frame.getByLabel('Message').fill(text);
  await frame.getByRole('button', { name: 'Send test to me' }).click();
  await frame.getByRole('tab', { name: 'History' }).click();
  const row = frame.getByTestId('history-row').filter({ hasText: text });
  await expect(row.getByTestId('history-paused')).toContainText('Paused by Bitrix24 until', { timeout: 15_000 });
  expect(portal().pushes.filter((push) => push.text === text)).toHaveLength(0);

  // Every app process looks for sends to resume every 5 s: after the release the send goes on by itself.
  await expect.poll(() => portal().pushes.filter((push) => push.text === text).map((push) => push.userId), { timeout: 30_000 }).toEqual([admin.id]);
  await frame.getByRole('tab', { name: 'New push' }).click();
  await frame.getByRole('tab', { name: 'History' }).click();
  await expect(row).toHaveAttribute('data-status', 'sent', { timeout: 15_000 });
  await expect(row.getByTestId('history-paused')).toHaveCount(0);
  expect(portal().pushes.filter((push) => push.text === text)).toHaveLength(1);
});

test('a send Bitrix24 paused can be cancelled from History: nobody gets it, even after the method is released', async ({ page }) => {
  const admin = firstAdmin(portal());
  await page.goto(portal().shellUrl({ userId: admin.id }));
  await page.getByTestId('portal-menu-app').click();
  const frame = appFrame(page);
  await expect(frame.getByRole('tab', { name: 'New push' })).toBeVisible({ timeout: 20_000 });

  const releasedAt = Date.now() + 8_000;
  portal().blockMethod('pull.application.push.add', releasedAt);
  const text = `Paused then cancelled ${Date.now()}`;
  await frame.getByLabel('Message').fill(text);
  await frame.getByRole('button', { name: 'Send test to me' }).click();
  await frame.getByRole('tab', { name: 'History' }).click();
  const row = frame.getByTestId('history-row').filter({ hasText: text });
  await expect(row.getByTestId('history-paused')).toContainText('Paused by Bitrix24 until', { timeout: 15_000 });
  // Cancelling asks first (issue 20): nothing is cancelled until the admin confirms.
  await row.getByRole('button', { name: 'Cancel' }).click();
  const question = frame.getByRole('dialog', { name: 'Cancel this send?' });
  await expect(question).toContainText('Those who have not got it yet will not get it');
  await question.getByRole('button', { name: 'Cancel the send' }).click();
  await expect(row).toHaveAttribute('data-status', 'cancelled', { timeout: 15_000 });
  await expect(row.getByRole('button', { name: 'Cancel' })).toHaveCount(0);

  // Past the release and a few resume ticks: still nobody got it.
  await page.waitForTimeout(Math.max(0, releasedAt - Date.now()) + 12_000);
  expect(portal().pushes.filter((push) => push.text === text)).toHaveLength(0);
});
