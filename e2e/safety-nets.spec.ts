import { randomUUID } from 'node:crypto';
import { test, expect, type FrameLocator, type Page, type Request } from '@playwright/test';
import { AxeBuilder } from '@axe-core/playwright';
import { startStack, type Stack } from '../scripts/stack.js';
import type { DirectoryDepartment, DirectoryUser } from '../simulator/contract.js';
import { firstAdmin, isRecipient, recipientsIn, subtree } from '../test/support/directory.js';

/**
 * Issue 20, section 1 "Safety nets", in Chromium, acting like impatient people: clicking before the data
 * has loaded, twice, after going back, at 400 px, in every UI language (en, ru, de). Each safety net is
 * tried from the side that used to get around it:
 * - the confirmation: Send pressed within a second of picking a large department, while the simulator
 *   delays the preview by 2 s, or while the count on screen is still the previous audience's; a preview
 *   that fails; a double click; Send before there is a message or an audience;
 * - the recap: the audience by name, the count, the text as the phone shows it, when;
 * - a false success: Send again after a send; an answer lost on the way, then Send again (a replay);
 * - "Send again": names, and who or what no longer exists; not offered while a send is still sending;
 * - Enter in a field; a Bitrix24 pause in the composer; an avatar image that does not load; a screen
 *   that crashes.
 */

let stack: Stack;

test.beforeAll(async () => {
  stack = await startStack({
    portals: [{ label: 'acme', users: 400, seed: 5, language: 'en' }],
    sends: { backoffMs: () => 100, answerWithinMs: 2_000 },
  });
});

test.afterAll(async () => {
  await stack?.close();
});

test.describe.configure({ mode: 'serial' });

type Lang = 'en' | 'ru' | 'de';
const LANGS: readonly Lang[] = ['en', 'ru', 'de'];

/** Russian plural forms (CLDR: one, few, many). */
function ruPlural(n: number, one: string, few: string, many: string): string {
  const ten = n % 10;
  const hundred = n % 100;
  if (ten === 1 && hundred !== 11) return one;
  if (ten >= 2 && ten <= 4 && (hundred < 12 || hundred > 14)) return few;
  return many;
}

/** The UI's words this spec acts on and reads, per language (client/src/lib/i18n/{en,ru,de}.ts). */
const UI = {
  en: {
    compose: 'New push',
    history: 'History',
    message: 'Message',
    avatar: 'Avatar URL',
    send: 'Send',
    search: 'Search employees',
    departments: 'Departments',
    confirmTitle: 'Send this push?',
    cancel: 'Cancel',
    counting: 'Still counting… The number appears here as soon as Bitrix24 answers.',
    countFailed: 'Could not be counted:',
    sendUnknown: 'Send to everyone chosen',
    sendTo: (n: number) => `Send to ${n} ${n === 1 ? 'person' : 'people'}`,
    reach: (n: number) => (n === 1 ? `1 employee; if they have the Bitrix24 mobile app, they get a push.` : `${n} employees; those with the Bitrix24 mobile app get a push.`),
    withSub: (name: string) => `${name} and its sub-departments`,
    count: (n: number) => (n === 1 ? '1 person will receive it.' : `${n} people will receive it.`),
    accepted: (n: number) => `Accepted by Bitrix24 for ${n} ${n === 1 ? 'recipient' : 'recipients'}. Bitrix24 confirms acceptance, not delivery.`,
    now: 'Now',
    crashTitle: 'This screen ran into a problem',
    retry: 'Try again',
    sendAgain: 'Send again',
    notReady: { recipients: 'To send, choose the recipients.', text: 'To send, write the message.', audience: 'To send, remove the recipients Bitrix24 no longer has (see above).' },
    unavailable: 'The app’s server could not be reached. Reload the page in a minute.',
    replayed: 'Nothing new was sent: this message had already been sent',
    showInHistory: 'Show it in History',
    paused: 'Paused by Bitrix24 until',
    imageFailed: 'The image at this address could not be loaded, so phones would show no picture. Check the address.',
    imageWaiting: 'The avatar image has not loaded yet: phones may show no picture.',
    keep: 'Keep these recipients after sending',
    missing: { person: (id: number) => `Person #${id} (no longer in Bitrix24)`, department: (id: number) => `Department #${id} (no longer exists)`, group: (id: number) => `Group #${id} (not found in Bitrix24)` },
    deactivated: (name: string) => `${name} (deactivated)`,
    chipWithSub: (name: string) => `${name} + sub-departments`,
  },
  ru: {
    compose: 'Новое уведомление',
    history: 'История',
    message: 'Сообщение',
    avatar: 'URL аватара',
    send: 'Отправить',
    search: 'Поиск сотрудников',
    departments: 'Отделы',
    confirmTitle: 'Отправить уведомление?',
    cancel: 'Отмена',
    counting: 'Ещё считаем… Число появится здесь, как только Битрикс24 ответит.',
    countFailed: 'Посчитать не удалось:',
    sendUnknown: 'Отправить: всем выбранным',
    sendTo: (n: number) => `Отправить: ${n} ${ruPlural(n, 'человеку', 'людям', 'людям')}`,
    reach: (n: number) =>
      ruPlural(
        n,
        `${n} сотрудник; уведомление придёт, если у него есть мобильное приложение Битрикс24.`,
        `${n} сотрудника; уведомление придёт тем, у кого есть мобильное приложение Битрикс24.`,
        `${n} сотрудников; уведомление придёт тем, у кого есть мобильное приложение Битрикс24.`,
      ),
    withSub: (name: string) => `${name} и его подотделы`,
    count: (n: number) => ruPlural(n, `Уведомление получит ${n} человек.`, `Уведомление получат ${n} человека.`, `Уведомление получат ${n} человек.`),
    accepted: (n: number) => `Битрикс24 принял уведомление для ${n} ${ruPlural(n, 'получателя', 'получателей', 'получателей')}. Битрикс24 подтверждает приём, а не доставку.`,
    now: 'Сейчас',
    crashTitle: 'На этом экране произошла ошибка',
    retry: 'Попробовать ещё раз',
    sendAgain: 'Отправить снова',
    notReady: { recipients: 'Чтобы отправить, выберите получателей.', text: 'Чтобы отправить, напишите сообщение.', audience: 'Чтобы отправить, уберите получателей, которых больше нет в Битрикс24 (см. выше).' },
    unavailable: 'Сервер приложения недоступен. Перезагрузите страницу через минуту.',
    replayed: 'Ничего не отправлено повторно: это сообщение уже было отправлено',
    showInHistory: 'Показать в истории',
    paused: 'Битрикс24 приостановил отправку до',
    imageFailed: 'Изображение по этому адресу не загружается, и телефоны покажут уведомление без картинки. Проверьте адрес.',
    imageWaiting: 'Изображение аватара ещё не загрузилось: телефоны могут показать уведомление без картинки.',
    keep: 'Оставить этих получателей после отправки',
    missing: { person: (id: number) => `Сотрудник №${id} (его больше нет в Битрикс24)`, department: (id: number) => `Отдел №${id} (больше не существует)`, group: (id: number) => `Группа №${id} (не найдена в Битрикс24)` },
    deactivated: (name: string) => `${name} (уволен)`,
    chipWithSub: (name: string) => `${name} и подотделы`,
  },
  de: {
    compose: 'Neuer Push',
    history: 'Verlauf',
    message: 'Nachricht',
    avatar: 'Avatar-URL',
    send: 'Senden',
    search: 'Mitarbeiter suchen',
    departments: 'Abteilungen',
    confirmTitle: 'Diese Benachrichtigung senden?',
    cancel: 'Abbrechen',
    counting: 'Wird noch gezählt… Die Zahl erscheint hier, sobald Bitrix24 antwortet.',
    countFailed: 'Konnte nicht gezählt werden:',
    sendUnknown: 'An alle Ausgewählten senden',
    sendTo: (n: number) => `An ${n} ${n === 1 ? 'Person' : 'Personen'} senden`,
    reach: (n: number) => (n === 1 ? `1 Mitarbeiter; mit der mobilen Bitrix24-App bekommt er eine Push-Benachrichtigung.` : `${n} Mitarbeiter; wer die mobile Bitrix24-App hat, bekommt eine Push-Benachrichtigung.`),
    withSub: (name: string) => `${name} und ihre Unterabteilungen`,
    count: (n: number) => (n === 1 ? '1 Person erhält die Benachrichtigung.' : `${n} Personen erhalten die Benachrichtigung.`),
    accepted: (n: number) => `Von Bitrix24 für ${n} Empfänger angenommen. Bitrix24 bestätigt die Annahme, nicht die Zustellung.`,
    now: 'Jetzt',
    crashTitle: 'Auf dieser Seite ist ein Fehler aufgetreten',
    retry: 'Erneut versuchen',
    sendAgain: 'Erneut senden',
    notReady: { recipients: 'Zum Senden wählen Sie die Empfänger.', text: 'Zum Senden schreiben Sie die Nachricht.', audience: 'Zum Senden entfernen Sie die Empfänger, die es in Bitrix24 nicht mehr gibt (siehe oben).' },
    unavailable: 'Der Server der App ist nicht erreichbar. Laden Sie die Seite in einer Minute neu.',
    replayed: 'Nichts wurde erneut gesendet: Diese Nachricht wurde bereits gesendet',
    showInHistory: 'Im Verlauf zeigen',
    paused: 'Von Bitrix24 bis',
    imageFailed: 'Das Bild unter dieser Adresse lässt sich nicht laden, Telefone würden also kein Bild zeigen. Prüfen Sie die Adresse.',
    imageWaiting: 'Das Avatar-Bild ist noch nicht geladen: Telefone zeigen womöglich kein Bild.',
    keep: 'Diese Empfänger nach dem Senden behalten',
    missing: { person: (id: number) => `Person #${id} (nicht mehr in Bitrix24)`, department: (id: number) => `Abteilung #${id} (gibt es nicht mehr)`, group: (id: number) => `Gruppe #${id} (in Bitrix24 nicht gefunden)` },
    deactivated: (name: string) => `${name} (deaktiviert)`,
    chipWithSub: (name: string) => `${name} + Unterabteilungen`,
  },
} satisfies Record<Lang, unknown>;

const portal = () => stack.sim.portal('acme');
const admin = () => firstAdmin(portal());
const fullName = (user: DirectoryUser) => [user.name, user.lastName].filter(Boolean).join(' ');
const appFrame = (page: Page) => page.frameLocator('iframe[data-testid="portal-app-frame"]');
const uniquelyNamed = (user: DirectoryUser) => portal().directory.users.filter((other) => fullName(other) === fullName(user)).length === 1;
/** People the search finds by last name alone, with a position to tell namesakes apart. */
const people = () => portal().directory.users.filter((user) => isRecipient(user) && user.pushEnabled && !user.admin && user.position && uniquelyNamed(user));

/** The largest department below the root, with its sub-departments (well over the confirmation threshold). */
function largeDepartment(): { department: DirectoryDepartment; reached: number[] } {
  const p = portal();
  const candidates = p.directory.departments
    .filter((d) => d.parent !== null && p.directory.departments.some((child) => child.parent === d.id))
    .map((department) => ({ department, reached: recipientsIn(p, subtree(p, department.id)) }))
    .sort((a, b) => b.reached.length - a.reached.length);
  const largest = candidates[0]!;
  expect(largest.reached.length).toBeGreaterThan(50);
  return largest;
}

const pushedTo = (text: string) =>
  portal()
    .pushes.filter((push) => push.text === text)
    .map((push) => push.userId)
    .sort((a, b) => a - b);
const reachable = (ids: readonly number[]) => ids.filter((id) => portal().directory.user(id)!.pushEnabled).sort((a, b) => a - b);

async function openApp(page: Page, lang: Lang, width?: number): Promise<FrameLocator> {
  // The simulated portal's menu and margins take 268 px; the iframe gets the rest.
  if (width) await page.setViewportSize({ width: width + 268, height: 1400 });
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

const sendButton = (frame: FrameLocator, lang: Lang) => frame.getByRole('button', { name: UI[lang].send, exact: true });
const dialogOf = (frame: FrameLocator) => frame.getByTestId('confirm-dialog');

test('installed from the Market card', async ({ page }) => {
  await page.goto(portal().shellUrl({ userId: admin().id }));
  await page.getByTestId('portal-menu-market').click();
  await page.getByTestId('portal-install').click();
  await expect(appFrame(page).getByRole('tab', { name: 'New push' })).toBeVisible({ timeout: 20_000 });
});

for (const lang of LANGS) {
  test(`[${lang}] a large department and Send within a second, while the simulator delays the preview by 2 s: confirmed with "still counting", then the count; nothing goes unconfirmed`, async ({ page }) => {
    const { department, reached } = largeDepartment();
    const frame = await openApp(page, lang);
    const text = `Race ${lang} ${randomUUID().slice(0, 8)}`;
    await frame.getByLabel(UI[lang].message, { exact: true }).fill(text);
    await frame.getByRole('tab', { name: UI[lang].departments }).click();
    const departmentButton = frame.getByRole('button', { name: department.name, exact: true });
    await expect(departmentButton).toBeVisible();

    portal().delayCalls({ method: 'user.get', count: 1, delayMs: 2_000 });
    await departmentButton.click();
    await sendButton(frame, lang).click();

    const dialog = dialogOf(frame);
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole('heading')).toHaveText(UI[lang].confirmTitle);
    await expect(dialog.getByTestId('confirm-count')).toHaveText(UI[lang].counting);
    await expect(dialog.getByRole('button', { name: UI[lang].sendUnknown })).toBeVisible();
    await expect(dialog.getByTestId('confirm-audience')).toHaveText(UI[lang].withSub(department.name));
    await expect(dialog.getByTestId('confirm-text')).toHaveText(text);
    await expect(dialog.getByTestId('confirm-when')).toHaveText(UI[lang].now);
    // The count arrives while the dialog is open.
    await expect(dialog.getByTestId('confirm-count')).toHaveText(UI[lang].reach(reached.length), { timeout: 15_000 });
    await expect(dialog.getByRole('button', { name: UI[lang].sendTo(reached.length) })).toBeVisible();

    // Back out: nothing was sent.
    await dialog.getByRole('button', { name: UI[lang].cancel, exact: true }).click();
    await expect(dialog).toBeHidden();
    expect(pushedTo(text)).toEqual([]);

    // Send once more, now that the count is known: still confirmed (above the threshold), then it goes to exactly them.
    await sendButton(frame, lang).click();
    await expect(dialog.getByTestId('confirm-count')).toHaveText(UI[lang].reach(reached.length));
    await dialog.getByRole('button', { name: UI[lang].sendTo(reached.length) }).click();
    await expect(frame.getByTestId('send-outcome')).toHaveText(UI[lang].accepted(reached.length), { timeout: 30_000 });
    expect(pushedTo(text)).toEqual(reachable(reached));
  });
}

test('[ru, 400 px] the count on screen is still the previous audience’s: Send pressed the moment a large department joins is confirmed, and the dialog fits', async ({ page }, testInfo) => {
  const lang = 'ru';
  const { department, reached } = largeDepartment();
  const person = people().find((user) => !reached.includes(user.id))!;
  const frame = await openApp(page, lang, 400);
  const text = `Предыдущая аудитория ${randomUUID().slice(0, 8)}`;
  await frame.getByLabel(UI[lang].message, { exact: true }).fill(text);
  await pickPerson(frame, lang, person);
  await expect(frame.getByTestId('recipient-count')).toHaveText(UI[lang].count(1));
  await frame.getByRole('tab', { name: UI[lang].departments }).click();
  await expect(frame.getByRole('button', { name: department.name, exact: true })).toBeVisible();

  // The department, then Send 20 ms later (well inside the preview's 300 ms debounce): the "1 person" on
  // screen is still the previous audience's count.
  await frame.locator('body').evaluate(
    async (body, { name, send }) => {
      const buttons = [...body.ownerDocument.querySelectorAll('button')];
      buttons.find((button) => button.textContent === name)!.click();
      await new Promise((resolve) => setTimeout(resolve, 20));
      buttons.find((button) => button.textContent === send && button.getAttribute('type') === 'submit')!.click();
    },
    { name: department.name, send: UI[lang].send },
  );
  const dialog = dialogOf(frame);
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId('confirm-audience')).toHaveText(`${fullName(person)}, ${UI[lang].withSub(department.name)}`);
  await expect(dialog.getByTestId('confirm-count')).toHaveText(UI[lang].reach(reached.length + 1), { timeout: 15_000 });

  // At 400 px the whole dialog, with both buttons, is on screen without scrolling sideways.
  const frameBox = (await page.getByTestId('portal-app-frame').boundingBox())!;
  const box = (await dialog.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(frameBox.x);
  expect(box.x + box.width).toBeLessThanOrEqual(frameBox.x + frameBox.width + 1);
  await expect(dialog.getByRole('button', { name: UI[lang].sendTo(reached.length + 1) })).toBeInViewport();
  await expect(dialog.getByRole('button', { name: UI[lang].cancel, exact: true })).toBeInViewport();
  const path = testInfo.outputPath('confirm-recap-ru-400.png');
  await page.screenshot({ path });
  await testInfo.attach('confirm-recap-ru-400', { path, contentType: 'image/png' });
  // The recap is accessible (axe: no serious or critical problems), light and dark.
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const results = await new AxeBuilder({ page }).include(['iframe[data-testid="portal-app-frame"]', 'dialog']).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    expect(results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical').map((violation) => violation.id)).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await dialog.getByRole('button', { name: UI[lang].cancel, exact: true }).click();
  expect(pushedTo(text)).toEqual([]);
});

test('[de] Send before there is a message or an audience stays disabled; a preview that fails is confirmed as "could not be counted"; a double click never confirms', async ({ page }) => {
  const lang = 'de';
  const frame = await openApp(page, lang);
  const send = sendButton(frame, lang);
  const notReady = frame.getByTestId('send-not-ready');
  // Clicked before anything is chosen: disabled, and it says why.
  await expect(send).toBeDisabled();
  await expect(notReady).toHaveText(UI[lang].notReady.recipients);
  await send.click({ force: true });
  await expect(dialogOf(frame)).toBeHidden();

  const person = people()[0]!;
  portal().injectFault({ method: 'user.get', count: 10, httpStatus: 500, error: 'INTERNAL_SERVER_ERROR', description: 'Internal error' });
  await pickPerson(frame, lang, person);
  await expect(send).toBeDisabled();
  await expect(notReady).toHaveText(UI[lang].notReady.text);
  const text = `Zählung gescheitert ${randomUUID().slice(0, 8)}`;
  await frame.getByLabel(UI[lang].message, { exact: true }).fill(text);
  await expect(notReady).toHaveCount(0);
  await expect(frame.getByTestId('recipient-count-error')).toBeVisible({ timeout: 15_000 });

  // One person, but the count failed: confirmed, saying so.
  await send.click();
  const dialog = dialogOf(frame);
  await expect(dialog.getByTestId('confirm-count')).toContainText(UI[lang].countFailed);
  await expect(dialog.getByRole('button', { name: UI[lang].sendUnknown })).toBeVisible();
  // The second click of a double click (on Send, landing on the dialog) does not confirm; Enter starts on Cancel.
  await dialog.getByRole('button', { name: UI[lang].sendUnknown }).dispatchEvent('click', { detail: 2 });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('button', { name: UI[lang].cancel, exact: true })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();
  portal().clearFaults();
  expect(pushedTo(text)).toEqual([]);

  // Double click on Send: one dialog; a deliberate click sends, once.
  await send.dblclick();
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: new RegExp(`^An (alle Ausgewählten|1 Person) senden$`) }).click();
  await expect(frame.getByTestId('send-outcome')).toHaveText(UI[lang].accepted(1), { timeout: 20_000 });
  expect(pushedTo(text)).toEqual([person.id]);
});

test('[en] after a send the composer starts a new message; keeping the recipients is the admin’s choice; a lost answer sent again says "already sent" and leads to it', async ({ page }) => {
  const lang = 'en';
  const [first] = people();
  const frame = await openApp(page, lang);
  const message = frame.getByLabel(UI[lang].message, { exact: true });
  const text = `No false success ${randomUUID().slice(0, 8)}`;
  await pickPerson(frame, lang, first!);
  await expect(frame.getByTestId('recipient-count')).toHaveText(UI[lang].count(1));
  await message.fill(text);
  await sendButton(frame, lang).click();
  await expect(frame.getByTestId('send-outcome')).toHaveText(UI[lang].accepted(1), { timeout: 20_000 });
  expect(pushedTo(text)).toEqual([first!.id]);

  // A new message: nothing to send again by pressing Send twice.
  await expect(message).toHaveValue('');
  await expect(frame.getByTestId('recipient-chips').locator('li')).toHaveCount(0);
  await expect(sendButton(frame, lang)).toBeDisabled();
  await sendButton(frame, lang).click({ force: true });
  expect(pushedTo(text)).toEqual([first!.id]);

  // Keep the recipients this time.
  await pickPerson(frame, lang, first!);
  await frame.getByLabel(UI[lang].keep).check();
  const second = `${text} (2)`;
  await message.fill(second);
  await sendButton(frame, lang).click();
  await expect(frame.getByTestId('send-outcome')).toHaveText(UI[lang].accepted(1), { timeout: 20_000 });
  await expect(message).toHaveValue('');
  await expect(frame.getByTestId('recipient-chips')).toContainText(fullName(first!));
  expect(pushedTo(second)).toEqual([first!.id]);

  // Writing the first text again is a new message: it goes again, and says so truthfully.
  await message.fill(text);
  await sendButton(frame, lang).click();
  await expect(frame.getByTestId('send-outcome')).toHaveText(UI[lang].accepted(1), { timeout: 20_000 });
  expect(pushedTo(text)).toEqual([first!.id, first!.id]);

  // The answer is lost on the way back (the server did send): the admin presses Send again, unchanged.
  const third = `${text} (3)`;
  await message.fill(third);
  let lost = false;
  await page.route(
    (url) => url.pathname === '/api/sends',
    async (route) => {
      if (route.request().method() !== 'POST' || lost) return route.fallback();
      lost = true;
      await route.fetch();
      await route.abort('connectionreset');
    },
  );
  await sendButton(frame, lang).click();
  await expect(frame.getByTestId('send-error')).toHaveText(UI[lang].unavailable, { timeout: 20_000 });
  expect(pushedTo(third)).toEqual([first!.id]);
  await sendButton(frame, lang).click();
  const replayed = frame.getByTestId('send-replayed');
  await expect(replayed).toContainText(UI[lang].replayed, { timeout: 20_000 });
  await expect(frame.getByTestId('send-outcome')).toHaveCount(0);
  expect(pushedTo(third)).toEqual([first!.id]);
  await page.unroute((url) => url.pathname === '/api/sends');

  // The link leads to that send in History.
  await replayed.getByRole('button', { name: UI[lang].showInHistory }).click();
  const row = frame.locator('[data-testid="history-row"][aria-current="true"]');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(third);
});

test('[ru] "Send again" names the recipients as the portal does now and marks who and what no longer exists; double clicked, it fills the composer once', async ({ page }) => {
  const lang = 'ru';
  const p = portal();
  const [named, viaCode, deactivated] = people();
  const { department } = largeDepartment();
  const small = p.directory.departments.find((d) => d.parent !== null && d.id !== department.id)!;
  const [group, codeGroup] = p.directory.groups;
  const text = `Снова ${randomUUID().slice(0, 8)}`;
  // A send recorded with ids only (scheduled, then cancelled through the API), naming some that never existed.
  const headers = { Authorization: `Bearer ${p.issueTokens(admin().id).access_token}`, 'X-B24-Member-Id': p.memberId, 'Content-Type': 'application/json' };
  const created = await fetch(`${stack.appUrl}/api/sends`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      idempotencyKey: randomUUID(),
      text,
      audience: {
        users: [named!.id, 99_999, deactivated!.id],
        departments: [{ id: department.id, withSubdepartments: true }, { id: 99_997 }],
        groups: [group!.id, 99_998],
        accessCodes: [`U${viaCode!.id}`, `SG${codeGroup!.id}`, `DR${small.id}`],
      },
      sendAt: new Date(Date.now() + 3 * 3_600_000).toISOString(),
    }),
  });
  expect(created.status).toBe(201);
  const { send } = (await created.json()) as { send: { id: string } };
  expect((await fetch(`${stack.appUrl}/api/sends/${send.id}/cancel`, { method: 'POST', headers, body: '{}' })).status).toBe(200);
  p.directory.user(deactivated!.id)!.active = false;
  try {
    const frame = await openApp(page, lang);
    await frame.getByRole('tab', { name: UI[lang].history }).click();
    const row = frame.getByTestId('history-row').filter({ hasText: text });
    await expect(row).toHaveAttribute('data-status', 'cancelled');
    await row.getByRole('button', { name: UI[lang].sendAgain }).dblclick();

    const chips = frame.getByTestId('recipient-chips').locator('li');
    await expect(frame.getByLabel(UI[lang].message, { exact: true })).toHaveValue(text);
    await expect(chips).toHaveText([
      `${fullName(named!)}×`,
      `${UI[lang].missing.person(99_999)}×`,
      `${UI[lang].deactivated(fullName(deactivated!))}×`,
      `${UI[lang].chipWithSub(department.name)}×`,
      `${UI[lang].missing.department(99_997)}×`,
      `${group!.name}×`,
      `${UI[lang].missing.group(99_998)}×`,
      `${fullName(viaCode!)}×`,
      `${codeGroup!.name}×`,
      `${UI[lang].chipWithSub(small.name)}×`,
    ]);
    // Bitrix24 refuses the audience while it names what is gone: Send stays disabled and says why.
    await expect(frame.getByTestId('recipient-count-error')).toBeVisible({ timeout: 15_000 });
    await expect(sendButton(frame, lang)).toBeDisabled();
    await expect(frame.getByTestId('send-not-ready')).toHaveText(UI[lang].notReady.audience);
    await frame.getByRole('button', { name: `Убрать: ${UI[lang].missing.department(99_997)}` }).click();
    await frame.getByRole('button', { name: `Убрать: ${UI[lang].missing.group(99_998)}` }).click();
    await expect(frame.getByTestId('recipient-count')).toContainText('Уведомление получ', { timeout: 15_000 });
    await expect(sendButton(frame, lang)).toBeEnabled();
  } finally {
    p.directory.user(deactivated!.id)!.active = true;
  }
});

test('[de] a send Bitrix24 pauses shows as paused in the composer, as in History; "Send again" is not offered until it has ended', async ({ page }) => {
  const lang = 'de';
  const p = portal();
  const person = people()[3]!;
  const frame = await openApp(page, lang);
  const text = `Angehalten ${randomUUID().slice(0, 8)}`;
  await pickPerson(frame, lang, person);
  await expect(frame.getByTestId('recipient-count')).toHaveText(UI[lang].count(1));
  await frame.getByLabel(UI[lang].message, { exact: true }).fill(text);
  p.blockMethod('pull.application.push.add', Date.now() + 60_000);
  try {
    await sendButton(frame, lang).click();
    const outcome = frame.getByTestId('send-outcome');
    await expect(outcome).toHaveAttribute('data-paused', 'true', { timeout: 20_000 });
    await expect(outcome).toContainText(UI[lang].paused);
    await expect(outcome).not.toContainText('0 von');

    await frame.getByRole('tab', { name: UI[lang].history }).click();
    const row = frame.getByTestId('history-row').filter({ hasText: text });
    await expect(row.getByTestId('history-paused')).toContainText(UI[lang].paused);
    await expect(row).toHaveAttribute('data-status', /^(queued|sending)$/);
    await expect(row.getByRole('button', { name: UI[lang].sendAgain })).toHaveCount(0);
    await row.getByRole('button', { name: 'Abbrechen' }).click();
    await frame.getByRole('dialog', { name: 'Diesen Versand abbrechen?' }).getByRole('button', { name: 'Versand abbrechen' }).click();
    await expect(row).toHaveAttribute('data-status', 'cancelled', { timeout: 15_000 });
    await expect(row.getByRole('button', { name: UI[lang].sendAgain })).toBeVisible();
  } finally {
    p.blockMethod('pull.application.push.add', 0);
  }
  expect(pushedTo(text)).toEqual([]);
});

/** A 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

test('[ru] an avatar image that does not load is flagged before sending, with one image request per settled address; Send pressed before the check is confirmed', async ({ page }) => {
  const lang = 'ru';
  const images: string[] = [];
  page.on('request', (request: Request) => {
    if (request.url().startsWith('https://img.test/')) images.push(request.url());
  });
  await page.route('https://img.test/**', (route) =>
    route.request().url().endsWith('/good.png') ? route.fulfill({ status: 200, contentType: 'image/png', body: PNG }) : route.fulfill({ status: 404, body: 'not found' }),
  );
  const frame = await openApp(page, lang);
  const avatar = frame.getByLabel(UI[lang].avatar);
  const hint = frame.getByTestId('avatar-hint');
  await avatar.pressSequentially('https://img.test/bad.png', { delay: 40 });
  await expect(hint).toHaveText(UI[lang].imageFailed);
  await expect(avatar).toHaveAttribute('aria-invalid', 'true');
  expect(images).toEqual(['https://img.test/bad.png']);

  await avatar.fill('');
  await avatar.pressSequentially('https://img.test/good.png', { delay: 40 });
  await expect(frame.getByRole('img', { name: 'Предпросмотр аватара' })).toBeVisible();
  await expect(hint).not.toHaveText(UI[lang].imageFailed);
  await expect(frame.getByTestId('preview-notification').locator('img')).toHaveAttribute('src', 'https://img.test/good.png');
  expect(images).toEqual(['https://img.test/bad.png', 'https://img.test/good.png']);

  // Impatient: another address, and Send at once, to one person: confirmed, saying the image is not loaded yet.
  const person = people()[4]!;
  await pickPerson(frame, lang, person);
  await expect(frame.getByTestId('recipient-count')).toHaveText(UI[lang].count(1));
  const text = `Аватар ${randomUUID().slice(0, 8)}`;
  await frame.getByLabel(UI[lang].message, { exact: true }).fill(text);
  await avatar.fill('https://img.test/missing.png');
  await sendButton(frame, lang).click();
  const dialog = dialogOf(frame);
  await expect(dialog.getByTestId('confirm-image')).toHaveText(UI[lang].imageWaiting);
  await dialog.getByRole('button', { name: UI[lang].cancel, exact: true }).click();
  await expect(hint).toHaveText(UI[lang].imageFailed);
  expect(pushedTo(text)).toEqual([]);
});

test('[de] Enter in the avatar field, the search, the date and a picker filter never sends', async ({ page }) => {
  const lang = 'de';
  await page.route('https://img.test/**', (route) => route.fulfill({ status: 200, contentType: 'image/png', body: PNG }));
  const person = people()[5]!;
  const frame = await openApp(page, lang);
  await pickPerson(frame, lang, person);
  await expect(frame.getByTestId('recipient-count')).toHaveText(UI[lang].count(1));
  const text = `Eingabetaste ${randomUUID().slice(0, 8)}`;
  await frame.getByLabel(UI[lang].message, { exact: true }).fill(text);
  const avatar = frame.getByLabel(UI[lang].avatar);
  await avatar.fill('https://img.test/logo.png');
  await avatar.press('Enter');
  await expect(frame.getByRole('img', { name: 'Avatar-Vorschau' })).toBeVisible();
  await avatar.press('Enter');
  await frame.getByRole('combobox', { name: UI[lang].search }).fill('zzzz');
  await frame.getByRole('combobox', { name: UI[lang].search }).press('Enter');
  await frame.getByLabel('Senden am', { exact: true }).press('Enter');
  await frame.getByRole('tab', { name: UI[lang].departments }).click();
  await frame.getByPlaceholder('Abteilungen filtern').fill('x');
  await frame.getByPlaceholder('Abteilungen filtern').press('Enter');
  await page.waitForTimeout(1_500);
  await expect(dialogOf(frame)).toBeHidden();
  await expect(frame.getByTestId('send-outcome')).toHaveCount(0);
  expect(pushedTo(text)).toEqual([]);

  // The button still sends.
  await sendButton(frame, lang).click();
  await expect(frame.getByTestId('send-outcome')).toHaveText(UI[lang].accepted(1), { timeout: 20_000 });
  expect(pushedTo(text)).toEqual([person.id]);
});

for (const lang of LANGS) {
  test(`[${lang}] a screen that crashes shows a translated message and "Try again", never a blank frame; the other screen keeps working`, async ({ page }) => {
    const frame = await openApp(page, lang);
    // The history's answer is malformed (as from a broken proxy): the History screen crashes on it.
    const broken = (url: URL) => url.pathname === '/api/sends';
    await page.route(broken, (route) => (route.request().method() === 'GET' ? route.fulfill({ status: 200, contentType: 'application/json', body: '{"sends":[null],"nextBefore":null}' }) : route.fallback()));
    await frame.getByRole('tab', { name: UI[lang].history }).click();
    const crashed = frame.getByTestId('screen-crashed');
    await expect(crashed).toHaveAttribute('data-screen', 'history');
    await expect(crashed.getByRole('heading')).toHaveText(UI[lang].crashTitle);
    // The composer still works meanwhile.
    await frame.getByRole('tab', { name: UI[lang].compose }).click();
    await expect(frame.getByLabel(UI[lang].message, { exact: true })).toBeVisible();
    await frame.getByRole('tab', { name: UI[lang].history }).click();
    await expect(crashed).toBeVisible();
    await page.unroute(broken);
    await crashed.getByRole('button', { name: UI[lang].retry }).click();
    await expect(crashed).toHaveCount(0);
    await expect(frame.getByTestId('history-row').first()).toBeVisible();

    // The composer crashes on a malformed message check; "Try again" brings it back.
    const check = (url: URL) => url.pathname === '/api/message/check';
    await page.route(check, (route) => route.fulfill({ status: 200, contentType: 'application/json', body: '{"fit":null}' }));
    await frame.getByRole('tab', { name: UI[lang].compose }).click();
    await frame.getByLabel(UI[lang].message, { exact: true }).fill('Crash me');
    await expect(crashed).toHaveAttribute('data-screen', 'compose');
    await expect(crashed.getByRole('heading')).toHaveText(UI[lang].crashTitle);
    await page.unroute(check);
    await crashed.getByRole('button', { name: UI[lang].retry }).click();
    await expect(frame.getByLabel(UI[lang].message, { exact: true })).toBeVisible();
    await frame.getByLabel(UI[lang].message, { exact: true }).fill('Works again');
    await expect(frame.getByTestId('preview-text')).toHaveText('Works again');
  });
}
