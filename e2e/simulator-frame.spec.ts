import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { test, expect, type Browser, type Frame, type Page } from '@playwright/test';
import { startSimulator } from '../simulator/index.js';
import type { Clock, DirectoryUser, SimPortal, Simulator } from '../simulator/contract.js';

/**
 * The portal simulator's shell against the real @bitrix24/b24jssdk 2.2.0 frame client in Chromium:
 * a tiny app (its UMD build + initializeB24Frame) is opened inside the simulated portal page.
 */

const SDK_UMD = fileURLToPath(new URL('../node_modules/@bitrix24/b24jssdk/dist/umd/index.min.js', import.meta.url));
const APP_NAME = 'Frame Probe';

/** What the test app's page exposes to the test (the SDK instance and its last results). */
interface ProbeWindow {
  __b24: {
    installFinish(): Promise<unknown>;
    callMethod(method: string, params?: Record<string, unknown>): Promise<{ getData(): { result: unknown } }>;
    getAppSid(): string;
    getLang(): string;
    auth: { getAuthData(): false | { access_token: string; domain: string; member_id: string } };
    dialog: {
      selectUser(): Promise<unknown>;
      selectUsers(): Promise<unknown>;
      selectAccess(blocked?: string[]): Promise<unknown>;
    };
    parent: {
      setTitle(title: string): Promise<unknown>;
      resizeWindow(width: number, height: number): Promise<unknown>;
      fitWindow(): Promise<unknown>;
      message: { send(command: string, params?: Record<string, unknown>): Promise<unknown> };
    };
    placement: { getInterface(): Promise<unknown> };
    options: { appSet(name: string, value: unknown): Promise<void> };
  };
  name: string;
  parent: { postMessage(message: unknown, targetOrigin: string): void };
  addEventListener(type: 'message', listener: (e: { data: unknown; origin: string }) => void): void;
}

interface ReceivedPost {
  path: string;
  query: Record<string, string>;
  fields: Record<string, string>;
}

/** The app's pages: accept Bitrix24's form POST, load the SDK, initialise, call `profile`. */
function appPage(kind: 'install' | 'app'): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${kind}</title></head><body>
<h1 id="kind">${kind}</h1><p id="status">loading</p><p id="user"></p><p id="error"></p>
<script src="/sdk.js"></script>
<script>
(async () => {
  const status = document.getElementById('status');
  const timer = setTimeout(() => { status.textContent = 'timeout'; }, 15000);
  try {
    const b24 = await B24Js.initializeB24Frame();
    window.__b24 = b24;
    const answer = await b24.callMethod('profile');
    const profile = answer.getData().result;
    document.getElementById('user').textContent = [profile.NAME, profile.LAST_NAME].filter(Boolean).join(' ');
    status.textContent = 'ready';
  } catch (e) {
    document.getElementById('error').textContent = (e && (e.code || e.name)) + ': ' + (e && e.message);
    status.textContent = 'error';
  } finally {
    clearTimeout(timer);
  }
})();
</script></body></html>`;
}

async function startProbeApp(): Promise<{ url: string; posts: ReceivedPost[]; server: Server }> {
  const posts: ReceivedPost[] = [];
  const sdk = readFileSync(SDK_UMD);
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/sdk.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(sdk);
      return;
    }
    if (url.pathname === '/' || url.pathname === '/install') {
      if (req.method === 'POST') {
        const body = await readBody(req);
        posts.push({
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          fields: Object.fromEntries(new URLSearchParams(body)),
        });
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(appPage(url.pathname === '/install' ? 'install' : 'app'));
      return;
    }
    // Event handlers (ONAPPINSTALL...) and anything else: accepted, ignored.
    await readBody(req);
    res.writeHead(url.pathname.startsWith('/api') || req.method === 'POST' ? 200 : 404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, posts, server };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const displayName = (u: DirectoryUser) => [u.name, u.lastName].filter(Boolean).join(' ');

test.describe.serial('portal simulator shell with the real B24Frame', () => {
  let offset = 0;
  const clock: Clock = { now: () => Date.now() + offset };
  let sim: Simulator;
  let portal: SimPortal;
  let app: Awaited<ReturnType<typeof startProbeApp>>;
  let page: Page;
  let admin: DirectoryUser;
  const offLoopback: string[] = [];

  test.beforeAll(async ({ browser }: { browser: Browser }) => {
    app = await startProbeApp();
    sim = await startSimulator({
      clock,
      app: {
        clientId: 'local.frameprobe.test',
        clientSecret: 'frame-probe-secret-0123456789',
        name: APP_NAME,
        url: app.url,
        scopes: ['pull', 'user_brief', 'department', 'sonet_group'],
      },
      portals: [{ label: 'probe', users: 40, seed: 7, language: 'en' }],
    });
    portal = sim.portal(0);
    admin = portal.directory.users.find((u) => u.active && u.admin && u.type === 'employee')!;
    const context = await browser.newContext();
    // Nothing may leave loopback: record and refuse any other request.
    await context.route(/^(?!https?:\/\/(127\.0\.0\.1|localhost)[:/]|data:|about:)/, async (route) => {
      offLoopback.push(route.request().url());
      await route.abort();
    });
    page = await context.newPage();
  });

  test.afterAll(async () => {
    await page?.context().close();
    await sim?.close();
    app?.server.closeAllConnections();
    await new Promise<void>((resolve) => (app ? app.server.close(() => resolve()) : resolve()));
  });

  async function appFrame(): Promise<Frame> {
    const handle = await page.locator('iframe[data-testid="portal-app-frame"]').elementHandle();
    const frame = await handle?.contentFrame();
    if (!frame) throw new Error('no app frame');
    return frame;
  }

  const frameLocator = () => page.frameLocator('iframe[data-testid="portal-app-frame"]');

  test('install page: B24Frame initialises through the portal page, profile answers the signed-in user', async () => {
    expect(portal.installState).toBe('not_installed');
    await page.goto(portal.shellUrl({ userId: admin.id }));
    await expect(page.getByTestId('portal-current-user')).toHaveText(displayName(admin));
    await expect(page.getByTestId('portal-menu-app')).toHaveCount(0);

    await page.getByTestId('portal-menu-market').click();
    await expect(page.getByTestId('portal-market-app-name')).toHaveText(APP_NAME);
    await page.getByTestId('portal-install').click();

    await expect(frameLocator().locator('#kind')).toHaveText('install');
    await expect(frameLocator().locator('#status')).toHaveText('ready', { timeout: 15_000 });
    await expect(frameLocator().locator('#user')).toHaveText(displayName(admin));

    // The form POST Bitrix24 makes into the iframe.
    const post = app.posts.find((p) => p.path === '/install')!;
    expect(post).toBeTruthy();
    expect(post.query).toMatchObject({ DOMAIN: portal.domain, PROTOCOL: '0', APP_SID: expect.any(String) });
    expect(post.fields).toMatchObject({ member_id: portal.memberId, AUTH_ID: expect.any(String), REFRESH_ID: expect.any(String) });

    // iframe name = DOMAIN|PROTOCOL|APP_SID, which is all the SDK reads.
    const frame = await appFrame();
    const appSid = await frame.evaluate(() => (globalThis as unknown as ProbeWindow).__b24.getAppSid());
    const name = await page.locator('iframe[data-testid="portal-app-frame"]').getAttribute('name');
    expect(name).toBe(`${portal.domain}|0|${appSid}`);
    expect(await frame.evaluate(() => (globalThis as unknown as ProbeWindow).name)).toBe(name);
    expect(appSid).toBe(post.query.APP_SID);
    const auth = await frame.evaluate(() => (globalThis as unknown as ProbeWindow).__b24.auth.getAuthData());
    expect(auth).toMatchObject({ domain: portal.origin, member_id: portal.memberId });

    const log = await page.evaluate(() => (globalThis as unknown as { __simShell: { log: Array<{ command: string; answered: boolean }> } }).__simShell.log);
    expect(log.find((e) => e.command === 'getInitData')?.answered).toBe(true);
  });

  test('installFinish: portal marks installed, the frame reloads into the app page, the left menu shows the app', async () => {
    const frame = await appFrame();
    // Never resolves on Bitrix24: the portal reloads the frame instead.
    await frame.evaluate(() => {
      void (globalThis as unknown as ProbeWindow).__b24.installFinish();
    });
    await expect.poll(() => portal.installState).toBe('installed');
    await expect(page.getByTestId('portal-menu-app')).toHaveText(APP_NAME);
    await expect(frameLocator().locator('#kind')).toHaveText('app');
    await expect(frameLocator().locator('#status')).toHaveText('ready', { timeout: 15_000 });
    await expect(frameLocator().locator('#user')).toHaveText(displayName(admin));
    const post = app.posts.filter((p) => p.path === '/').at(-1)!;
    expect(post.fields.PLACEMENT).toBe('DEFAULT');

    // A fresh page load shows the menu item, which opens the app page.
    await page.goto(portal.shellUrl({ userId: admin.id }));
    await page.getByTestId('portal-menu-app').click();
    await expect(frameLocator().locator('#status')).toHaveText('ready', { timeout: 15_000 });
    await expect(page.getByTestId('portal-page-title')).toHaveText(APP_NAME);
  });

  test('selectUsers / selectUser / selectAccess through the native dialogs', async () => {
    const frame = await appFrame();
    const employees = portal.directory.users.filter((u) => u.active && u.type === 'employee');
    const [a, b] = [employees[1]!, employees[2]!];

    // Multiple users, found by searching their last names.
    const multi = frame.evaluate(() => (globalThis as unknown as ProbeWindow).__b24.dialog.selectUsers());
    const dialog = page.getByRole('dialog', { name: 'Select employees' });
    await expect(dialog).toBeVisible();
    await expect(page.getByTestId('sim-user-search')).toBeFocused();
    await page.getByTestId('sim-user-search').fill(a.lastName);
    await page.getByTestId(`sim-user-option-${a.id}`).check();
    await page.getByTestId('sim-user-search').fill(b.lastName);
    await page.getByTestId(`sim-user-option-${b.id}`).check();
    await page.getByTestId('sim-user-dialog-ok').click();
    const picked = (await multi) as Array<Record<string, unknown>>;
    expect(picked).toHaveLength(2);
    expect(picked[0]).toMatchObject({ id: String(a.id), name: displayName(a), position: a.position, sub: expect.any(Boolean), sup: expect.any(Boolean) });
    expect(picked[1]).toMatchObject({ id: String(b.id), name: displayName(b) });
    await expect(dialog).toHaveCount(0);

    // Single user: one object.
    const single = frame.evaluate(() => (globalThis as unknown as ProbeWindow).__b24.dialog.selectUser());
    await expect(page.getByRole('dialog', { name: 'Select employee' })).toBeVisible();
    await page.getByTestId(`sim-user-option-${a.id}`).check();
    await page.getByTestId('sim-user-dialog-ok').click();
    expect(await single).toMatchObject({ id: String(a.id), name: displayName(a) });

    // Cancelling (Escape, Cancel, ×) closes the dialog and answers nothing, as the real portal: its
    // callbacks run only on a pick (applayout.js selectUser; core_access.js BX.Access "Select" button).
    type Pending = { __pending?: Record<string, string> };
    const start = (which: 'selectUsers' | 'selectUser' | 'selectAccess', key: string = which) =>
      frame.evaluate(
        ({ name, key }) => {
          const w = globalThis as unknown as ProbeWindow & Pending;
          w.__pending = { ...w.__pending, [key]: 'pending' };
          void w.__b24.dialog[name]().then((value) => {
            w.__pending = { ...w.__pending, [key]: JSON.stringify(value) };
          });
        },
        { name: which, key },
      );
    await start('selectUsers');
    await expect(page.getByTestId('sim-user-dialog')).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('sim-user-dialog')).toHaveCount(0);
    await start('selectUser');
    await page.getByTestId('sim-user-dialog-cancel').click();
    await start('selectAccess');
    await page.getByTestId('sim-access-dialog-close').click();
    await expect(page.getByTestId('sim-access-dialog')).toHaveCount(0);
    await page.waitForTimeout(500);
    expect(await frame.evaluate(() => (globalThis as unknown as Pending).__pending)).toEqual({ selectUsers: 'pending', selectUser: 'pending', selectAccess: 'pending' });
    const shellLog = await page.evaluate(() => (globalThis as unknown as { __simShell: { log: Array<{ command: string; answered: boolean; cancelled?: boolean }> } }).__simShell.log);
    expect(shellLog.filter((e) => e.command === 'selectUser' || e.command === 'selectAccess').slice(-3)).toEqual([
      expect.objectContaining({ command: 'selectUser', answered: false, cancelled: true }),
      expect.objectContaining({ command: 'selectUser', answered: false, cancelled: true }),
      expect.objectContaining({ command: 'selectAccess', answered: false, cancelled: true }),
    ]);
    // Asked again while its dialog is open, the portal keeps one callback: the later request gets the
    // pick, the earlier one nothing.
    await start('selectAccess', 'first');
    await expect(page.getByTestId('sim-access-dialog')).toBeVisible();
    await start('selectAccess', 'second');
    await page.getByTestId('sim-access-search').fill(a.lastName);
    await page.getByTestId(`sim-access-option-U${a.id}`).check();
    await page.getByTestId('sim-access-dialog-ok').click();
    await expect.poll(() => frame.evaluate(() => (globalThis as unknown as Pending).__pending?.second)).toBe(JSON.stringify([{ id: `U${a.id}`, name: displayName(a) }]));
    expect(await frame.evaluate(() => (globalThis as unknown as Pending).__pending?.first)).toBe('pending');

    // Access: AU blocked by the app, a department, a department with sub-departments, a group, a user.
    const dept = portal.directory.departments[0]!;
    const sub = portal.directory.departments.find((d) => d.parent !== null) ?? dept;
    const group = portal.directory.groups[0];
    const access = frame.evaluate(() => (globalThis as unknown as ProbeWindow).__b24.dialog.selectAccess(['AU']));
    const accessDialog = page.getByRole('dialog', { name: 'Access permissions' });
    await expect(accessDialog).toBeVisible();
    await expect(page.getByTestId('sim-access-option-AU')).toBeDisabled();
    await page.getByTestId('sim-access-search').fill(a.lastName);
    await page.getByTestId(`sim-access-option-U${a.id}`).check();
    await page.getByRole('tab', { name: 'Departments' }).click();
    await page.getByTestId(`sim-access-option-D${dept.id}`).check();
    await page.getByTestId(`sim-access-option-DR${sub.id}`).check();
    const expected = [
      { id: `U${a.id}`, name: displayName(a) },
      { id: `D${dept.id}`, name: dept.name },
      { id: `DR${sub.id}`, name: sub.name },
    ];
    if (group) {
      await page.getByRole('tab', { name: 'Departments' }).press('ArrowRight');
      await expect(page.getByRole('tab', { name: 'Groups' })).toHaveAttribute('aria-selected', 'true');
      await page.getByTestId(`sim-access-option-SG${group.id}`).check();
      expected.push({ id: `SG${group.id}`, name: group.name });
    }
    await page.getByTestId('sim-access-dialog-ok').click();
    expect(await access).toEqual(expected);
  });

  test('refreshAuth after the access token expires on the portal', async () => {
    const frame = await appFrame();
    const before = await frame.evaluate(() => {
      const data = (globalThis as unknown as ProbeWindow).__b24.auth.getAuthData();
      return data ? data.access_token : '';
    });
    // Two hours later on the portal: the token in the frame is stale, the REST call answers expired_token,
    // the SDK asks the parent for refreshAuth and retries.
    offset += 2 * 3600 * 1000;
    const name = await frame.evaluate(async () => {
      const r = await (globalThis as unknown as ProbeWindow).__b24.callMethod('profile');
      const p = r.getData().result as { NAME: string; LAST_NAME: string };
      return [p.NAME, p.LAST_NAME].filter(Boolean).join(' ');
    });
    expect(name).toBe(displayName(admin));
    const after = await frame.evaluate(() => {
      const data = (globalThis as unknown as ProbeWindow).__b24.auth.getAuthData();
      return data ? data.access_token : '';
    });
    expect(after).not.toBe(before);
    const log = await page.evaluate(() => (globalThis as unknown as { __simShell: { log: Array<{ command: string; answered: boolean }> } }).__simShell.log);
    expect(log.filter((e) => e.command === 'refreshAuth').every((e) => e.answered)).toBe(true);
    expect(log.some((e) => e.command === 'refreshAuth')).toBe(true);
  });

  test('the phone page shows a push sent through pull.application.push.add', async () => {
    const frame = await appFrame();
    const recipient = portal.directory.users.find((u) => u.active && u.type === 'employee' && u.pushEnabled && u.id !== admin.id)!;
    const text = `Standup moved\nto 11:00 #${Date.now() % 1000}`;
    const avatar = 'https://example.com/avatar.png';
    const result = await frame.evaluate(
      async ({ userId, text, avatar }) => (await (globalThis as unknown as ProbeWindow).__b24.callMethod('pull.application.push.add', { USER_ID: userId, TEXT: text, AVATAR: avatar })).getData().result,
      { userId: recipient.id, text, avatar },
    );
    expect(result).toBe(true);

    const phone = await page.context().newPage();
    await phone.goto(portal.phoneUrl({ userId: recipient.id }));
    const push = phone.getByTestId('push').first();
    await expect(push).toBeVisible();
    await expect(push.getByTestId('push-title')).toHaveText(APP_NAME);
    await expect(push.getByTestId('push-text')).toHaveText(text.replace('\n', ' '));
    await expect(push.getByTestId('push-avatar')).toHaveAttribute('data-src', avatar);
    await expect(push.getByTestId('push-time')).not.toBeEmpty();

    // Auto-refresh: a second push appears on top without a reload.
    await frame.evaluate(
      async ({ userId }) => (globalThis as unknown as ProbeWindow).__b24.callMethod('pull.application.push.add', { USER_ID: [userId], TEXT: 'Second' }),
      { userId: recipient.id },
    );
    await expect(phone.getByTestId('push').first().getByTestId('push-text')).toHaveText('Second');
    await expect(phone.getByTestId('push')).toHaveCount(2);
    await phone.close();
  });

  test('window commands, unknown commands and foreign messages', async () => {
    const frame = await appFrame();
    // Answered as BX.rest.AppLayout does (rest module, install/js/rest/applayout.js): setTitle with its
    // params, resizeWindow with the frame's new size.
    const titled = await frame.evaluate(() => (globalThis as unknown as ProbeWindow).__b24.parent.setTitle('Custom: title'));
    expect(titled).toEqual({ title: 'Custom: title' });
    await expect(page.getByTestId('portal-page-title')).toHaveText('Custom: title');
    const iframe = page.locator('iframe[data-testid="portal-app-frame"]');
    const resized = await frame.evaluate(() => (globalThis as unknown as ProbeWindow).__b24.parent.resizeWindow(800, 432));
    expect(resized).toEqual({ width: 800, height: 432 });
    await expect(iframe).toHaveCSS('height', '432px');
    await expect(iframe).toHaveCSS('width', '800px');
    // fitWindow: width 100%, height the content's.
    const fitted = (await frame.evaluate(() => (globalThis as unknown as ProbeWindow).__b24.parent.fitWindow())) as { width: number; height: number };
    const box = (await iframe.boundingBox())!;
    expect(box.width).toBeGreaterThan(800);
    expect(fitted.width).toBeCloseTo(box.width, 0);
    expect(fitted.height).toBeCloseTo(box.height, 0);
    expect(await frame.evaluate(() => (globalThis as unknown as ProbeWindow).__b24.placement.getInterface())).toMatchObject({ command: expect.any(Array), event: expect.any(Array) });

    // Unknown commands, plain and with ':' in the name (sent as an object): answered at once and harmlessly.
    const answers = await frame.evaluate(async () => {
      const send = (globalThis as unknown as ProbeWindow).__b24.parent.message;
      return Promise.all([send.send('someUnknownCommand', { a: 'x:y' }), send.send('vendor:unknown', { b: 1 })]);
    });
    expect(answers).toEqual(['', '']);

    // A message for another APP_SID gets no answer.
    const foreign = await frame.evaluate(
      ({ origin }) =>
        new Promise<string>((resolve) => {
          (globalThis as unknown as ProbeWindow).addEventListener('message', (e) => {
            if (typeof e.data === 'string' && e.data.startsWith('probe-key:')) resolve('answered');
          });
          (globalThis as unknown as ProbeWindow).parent.postMessage('getInitData:probe-key:not-the-app-sid', origin);
          setTimeout(() => resolve('silent'), 800);
        }),
      { origin: portal.origin },
    );
    expect(foreign).toBe('silent');

    const log = await page.evaluate(() => (globalThis as unknown as { __simShell: { log: Array<{ command: string; answered: boolean; params: unknown }> } }).__simShell.log);
    expect(log.find((e) => e.command === 'vendor:unknown')).toMatchObject({ answered: true, params: { b: 1 } });
    expect(log.find((e) => e.command === 'someUnknownCommand')).toMatchObject({ answered: true, params: { a: 'x:y' } });
    expect(offLoopback).toEqual([]);
  });

  test('signed-in user and language switches, uninstall with clean data', async () => {
    const employee = portal.directory.users.find((u) => u.active && u.type === 'employee' && !u.admin)!;
    await page.goto(portal.shellUrl({ userId: employee.id, lang: 'de' }));
    await expect(page.locator('html')).toHaveAttribute('lang', 'de');
    await expect(page.getByTestId('portal-current-user')).toHaveText(displayName(employee));
    await page.getByTestId('portal-menu-app').click();
    await expect(frameLocator().locator('#status')).toHaveText('ready', { timeout: 15_000 });
    await expect(frameLocator().locator('#user')).toHaveText(displayName(employee));
    expect(app.posts.at(-1)!.query.LANG).toBe('de');
    const frame = await appFrame();
    expect(await frame.evaluate(() => (globalThis as unknown as ProbeWindow).__b24.getLang())).toBe('de');
    // Only administrators manage apps.
    await page.getByTestId('portal-menu-market').click();
    await expect(page.getByTestId('portal-uninstall')).toHaveCount(0);

    // The switch in the top bar signs in someone else. Each switch reloads the page: the next one waits for
    // the reloaded page's scripts (the top bar's text is in its HTML before they run).
    await Promise.all([
      page.waitForURL((url) => url.searchParams.get('user') === String(admin.id), { waitUntil: 'load' }),
      page.getByTestId('portal-user-switch').selectOption(String(admin.id)),
    ]);
    await expect(page.getByTestId('portal-current-user')).toHaveText(displayName(admin));
    await Promise.all([page.waitForURL((url) => url.searchParams.get('lang') === 'en', { waitUntil: 'load' }), page.getByTestId('portal-lang-switch').selectOption('en')]);
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');

    await page.getByTestId('portal-menu-market').click();
    await page.getByTestId('portal-uninstall').click();
    const dialog = page.getByRole('dialog', { name: 'Uninstall application' });
    await expect(dialog).toBeVisible();
    await page.getByTestId('sim-uninstall-clean').check();
    await page.getByTestId('sim-uninstall-dialog-ok').click();
    await expect.poll(() => portal.installState).toBe('uninstalled');
    await expect(page.getByTestId('portal-menu-app')).toHaveCount(0);
    await expect(page.getByTestId('portal-install')).toBeEnabled();

    await page.goto(portal.shellUrl({ userId: employee.id }));
    await page.getByTestId('portal-menu-market').click();
    await expect(page.getByTestId('portal-install')).toBeDisabled();
  });
});
