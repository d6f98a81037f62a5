import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, TEST_CLIENT_ID, TEST_CLIENT_SECRET, type Stack } from '../../scripts/stack.js';
import { fixtureClientPages } from '../../test/support/fixturePages.js';
import { firstAdmin, isRecipient, postInstall } from '../../test/support/directory.js';
import { ManualClock } from '../../simulator/index.js';
import type { SimPortal } from '../../simulator/contract.js';
import { createApp } from '../app.js';
import { composeParts } from '../composition.js';
import { createLogger } from '../logger.js';
import { forEachDatabase, type TestDatabase } from '../../test/support/databases.js';
import { runContenders } from '../../test/support/childProcesses.js';
import type { SendPipeline } from '../send/sendPipeline.js';
import type { Scheduler, SchedulerTimers } from '../send/scheduler.js';
import { createSendStore } from '../storage/sendStore.js';
import { MEMBER_ID_HEADER } from './frameAuth.js';
import type { SendView } from './sendRoutes.js';
import { errors } from '../../contract/texts/en.js';

/** Scheduled sends through the API and the simulator, on SQLite and PostgreSQL: time, restarts, rights, cancel, processes. */
forEachDatabase('scheduled sends', (getDb) => scheduledSends(getDb, { multiProcess: false }), { only: ['sqlite'] });
forEachDatabase('scheduled sends', (getDb) => scheduledSends(getDb, { multiProcess: true }), { only: ['postgres'] });

function scheduledSends(getDb: () => TestDatabase, { multiProcess }: { multiProcess: boolean }): void {
  let stack: Stack;
  const clock = new ManualClock(Date.UTC(2026, 10, 24, 9));
  const HOUR = 3_600_000;

  /** An app process on the stack's database, its scheduler ticked by hand. */
  interface AppProcess {
    url: string;
    pipeline: SendPipeline;
    scheduler: Scheduler;
    /** With a started scheduler: the tick `start()` made at once (how many sends it started). */
    firstTick: Promise<number> | null;
    close(): Promise<void>;
  }
  const processes: AppProcess[] = [];

  /** Timer functions whose interval callbacks the test fires by hand. */
  function manualTimers(): SchedulerTimers & { fire(): void; active: number } {
    const callbacks = new Set<() => void>();
    const handles = new Map<object, () => void>();
    return {
      setInterval(callback) {
        const handle = { unref: () => handle };
        callbacks.add(callback);
        handles.set(handle, callback);
        return handle;
      },
      clearInterval(handle) {
        const callback = handles.get(handle);
        if (callback) callbacks.delete(callback);
        handles.delete(handle);
      },
      fire: () => callbacks.forEach((callback) => callback()),
      get active() {
        return callbacks.size;
      },
    };
  }

  /** `timers`: the scheduler is started (as in production) with these timer functions; else it is only ticked by hand. */
  async function startAppProcess(options: { timers?: SchedulerTimers } = {}): Promise<AppProcess> {
    const parts = composeParts({
      config: stack.config,
      logger: createLogger({ level: 'silent' }),
      store: stack.store,
      database: stack.database,
      now: () => clock.now(),
      sends: {
        sleep: async (ms) => clock.advance(ms),
        scheduler: options.timers ? { timers: options.timers } : false,
        recoverAtStart: false,
      },
    });
    const pipeline: SendPipeline = parts.pipeline!;
    const scheduler: Scheduler = parts.scheduler!;
    const app = createApp({ parts, pages: fixtureClientPages() });
    // start() ticked at once, synchronously inside composeParts: this is that tick, still in progress.
    const firstTick = options.timers ? scheduler.tick() : null;
    const server: Server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const running: AppProcess = {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      pipeline,
      scheduler,
      firstTick,
      async close() {
        await scheduler.stop();
        await pipeline.idle();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
    processes.push(running);
    return running;
  }

  let app: AppProcess;

  beforeAll(async () => {
    // The stack's own app schedules nothing: only the processes a test starts (and ticks) claim due sends.
    stack = await startStack({ pages: fixtureClientPages(), databaseUrl: getDb().url, clock, portals: [{ label: 'one', users: 40 }, { label: 'two', users: 20 }], sends: { scheduler: false } });
    for (const label of ['one', 'two']) expect(await postInstall(stack.sim.portal(label))).toBe(200);
    app = await startAppProcess();
  });

  afterAll(async () => {
    for (const running of processes) await running.close();
    await stack?.close();
  });

  const as = (portal: SimPortal, userId = firstAdmin(portal).id) => ({
    Authorization: `Bearer ${portal.issueTokens(userId).access_token}`,
    [MEMBER_ID_HEADER]: portal.memberId,
    'Content-Type': 'application/json',
  });
  type Answer = { send: SendView; error?: string; field?: string; message?: string; detail?: string };
  async function call(base: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; body: Answer }> {
    const response = await fetch(`${base}/api${path}`, { method: body === undefined ? 'GET' : 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Answer };
  }
  const iso = (at: number) => new Date(at).toISOString();
  const employees = (portal: SimPortal) => portal.directory.users.filter((user) => isRecipient(user) && user.pushEnabled).slice(0, 3).map((user) => user.id);
  const pushed = (portal: SimPortal, text: string) => portal.pushes.filter((push) => push.text === text).map((push) => push.userId).sort((a, b) => a - b);
  /** What a child app process needs to reach the same database, key and OAuth server (see childSendStack). */
  const childEnv = () => ({
    DATABASE_URL: getDb().url,
    TOKEN_KEY: stack.config.tokenEncryptionKey!,
    OAUTH_URL: stack.sim.oauth.url,
    CLIENT_ID: TEST_CLIENT_ID,
    CLIENT_SECRET: TEST_CLIENT_SECRET,
  });
  async function tickAll(running: AppProcess = app) {
    await running.scheduler.tick();
    await running.pipeline.idle();
  }

  it('waits for its time, then goes once; the history shows it scheduled, then sent', async () => {
    const portal = stack.sim.portal('one');
    const text = `Scheduled ${randomUUID()}`;
    const users = employees(portal);
    const key = randomUUID();
    const created = await call(app.url, '/sends', as(portal), { idempotencyKey: key, text, audience: { users }, sendAt: new Date(clock.now() + 2 * HOUR).toISOString().replace('Z', '+00:00') });
    expect(created.status).toBe(201);
    expect(created.body.send).toMatchObject({ status: 'scheduled', sendAt: clock.now() + 2 * HOUR, sendAtIso: iso(clock.now() + 2 * HOUR), recipientCount: null });
    // The same request again is the same send (idempotent), still scheduled.
    const replay = await call(app.url, '/sends', as(portal), { idempotencyKey: key, text, audience: { users }, sendAt: iso(clock.now() + 2 * HOUR) });
    expect([replay.status, replay.body.send.id]).toEqual([200, created.body.send.id]);

    clock.advance(HOUR);
    await tickAll();
    expect(pushed(portal, text)).toEqual([]);
    clock.advance(HOUR);
    await tickAll();
    await tickAll();
    expect(pushed(portal, text)).toEqual(users);
    const after = await call(app.url, `/sends/${created.body.send.id}`, as(portal));
    expect(after.body.send).toMatchObject({ status: 'sent', acceptedCount: users.length, sendAt: clock.now() });
  });

  it('refuses a time without its zone, in the past, too far ahead, or on a test to oneself — naming sendAt', async () => {
    const portal = stack.sim.portal('one');
    const base = { idempotencyKey: randomUUID(), text: 'When?', audience: { users: [2] } };
    const cases: Array<[unknown, string]> = [
      ['2026-11-24T18:00:00', 'time zone'],
      ['2026-11-24 18:00', 'time zone'],
      ['tomorrow', 'time zone'],
      [1_800_000_000_000, 'date and time'],
      ['2026-02-30T10:00:00Z', 'real date'],
      [iso(clock.now() - HOUR), 'at least one minute'],
      [iso(clock.now() + 30_000), 'at least one minute'],
      [iso(clock.now() + 400 * 24 * HOUR), 'within a year'],
    ];
    for (const [sendAt, message] of cases) {
      const answer = await call(app.url, '/sends', as(portal), { ...base, idempotencyKey: randomUUID(), sendAt });
      expect([answer.status, answer.body.error, answer.body.field], String(sendAt)).toEqual([400, 'SEND_AT_INVALID', 'sendAt']);
      expect(answer.body.detail).toContain(message);
      expect(answer.body.message).toBe(errors.SEND_AT_INVALID);
    }
    const test = await call(app.url, '/sends', as(portal), { idempotencyKey: randomUUID(), text: 'Me later', testToSelf: true, sendAt: iso(clock.now() + HOUR) });
    expect([test.status, test.body.field]).toEqual([400, 'sendAt']);
    expect(test.body.detail).toContain('cannot be scheduled');

    // The edges: one minute ahead, and the same moment a calendar year on, are accepted; a minute more is not.
    const yearOn = new Date(clock.now());
    yearOn.setUTCFullYear(yearOn.getUTCFullYear() + 1);
    const tooLate = await call(app.url, '/sends', as(portal), { ...base, idempotencyKey: randomUUID(), sendAt: iso(yearOn.getTime() + 60_000) });
    expect([tooLate.status, tooLate.body.field]).toEqual([400, 'sendAt']);
    for (const at of [clock.now() + 60_000, yearOn.getTime()]) {
      const accepted = await call(app.url, '/sends', as(portal), { ...base, idempotencyKey: randomUUID(), sendAt: iso(at) });
      expect([accepted.status, accepted.body.send.status, accepted.body.send.sendAt]).toEqual([201, 'scheduled', at]);
      expect((await call(app.url, `/sends/${accepted.body.send.id}/cancel`, as(portal), {})).status).toBe(200);
    }
    // Another zone is the same instant: 10:00+02:00 is 08:00Z.
    const zoned = await call(app.url, '/sends', as(portal), { ...base, idempotencyKey: randomUUID(), sendAt: '2026-11-25T10:00:00+02:00' });
    expect([zoned.status, zoned.body.send.sendAtIso]).toEqual([201, '2026-11-25T08:00:00.000Z']);
    expect((await call(app.url, `/sends/${zoned.body.send.id}/cancel`, as(portal), {})).status).toBe(200);
  });

  it('cancelled before its time it never goes; once started or finished it cannot be cancelled; another portal cannot touch it', async () => {
    const portal = stack.sim.portal('one');
    const text = `Cancelled ${randomUUID()}`;
    const created = await call(app.url, '/sends', as(portal), { idempotencyKey: randomUUID(), text, audience: { users: employees(portal) }, sendAt: iso(clock.now() + HOUR) });
    const id = created.body.send.id;
    const other = stack.sim.portal('two');
    expect((await call(app.url, `/sends/${id}/cancel`, as(other), {})).status).toBe(404);
    expect((await call(app.url, `/sends/00000000-0000-7000-8000-000000000000/cancel`, as(portal), {})).status).toBe(404);
    const employee = portal.directory.users.find((user) => !user.admin && isRecipient(user))!;
    expect((await call(app.url, `/sends/${id}/cancel`, as(portal, employee.id), {})).status).toBe(403);
    const cancelled = await call(app.url, `/sends/${id}/cancel`, as(portal), {});
    expect([cancelled.status, cancelled.body.send.status]).toEqual([200, 'cancelled']);
    expect((await call(app.url, `/sends/${id}/cancel`, as(portal), {})).body.error).toBe('NOT_CANCELLABLE');
    clock.advance(2 * HOUR);
    await tickAll();
    expect(pushed(portal, text)).toEqual([]);

    const now = await call(app.url, '/sends', as(portal), { idempotencyKey: randomUUID(), text: `${text} now`, audience: { users: employees(portal) } });
    const late = await call(app.url, `/sends/${now.body.send.id}/cancel`, as(portal), {});
    expect([late.status, late.body.error, late.body.send.status]).toEqual([409, 'NOT_CANCELLABLE', 'sent']);
    expect(late.body.detail).toContain('already started or finished');
  });

  it('a scheduled send a scheduler has claimed cannot be cancelled; if that process dies, recovery sends it once, sender re-checked', async () => {
    const portal = stack.sim.portal('one');
    const text = `Claimed ${randomUUID()}`;
    const users = employees(portal);
    const created = await call(app.url, '/sends', as(portal), { idempotencyKey: randomUUID(), text, audience: { users }, sendAt: iso(clock.now() + HOUR) });
    clock.advance(HOUR);
    // A process claims it (as its scheduler tick would) and dies before sending anything.
    const store = createSendStore(stack.database, { now: () => clock.now() });
    expect((await store.claimDueScheduledSends(clock.now(), { owner: 'a-process-that-dies', until: clock.now() + 60_000 })).map((send) => send.id)).toEqual([created.body.send.id]);
    const refused = await call(app.url, `/sends/${created.body.send.id}/cancel`, as(portal), {});
    expect([refused.status, refused.body.error, refused.body.send.status]).toEqual([409, 'NOT_CANCELLABLE', 'queued']);
    expect(pushed(portal, text)).toEqual([]);
    clock.advance(2 * 60_000); // its lease runs out
    expect(await app.pipeline.recoverInterruptedSends()).toMatchObject({ resumed: 1 });
    expect(pushed(portal, text)).toEqual(users);
    await app.pipeline.recoverInterruptedSends();
    expect(pushed(portal, text)).toEqual(users);
  });

  it('a claimed scheduled send recovered after its sender lost admin rights sends nothing', async () => {
    const portal = stack.sim.portal('two');
    const sender = firstAdmin(portal);
    const text = `Claimed, demoted ${randomUUID()}`;
    const created = await call(app.url, '/sends', as(portal, sender.id), { idempotencyKey: randomUUID(), text, audience: { users: employees(portal) }, sendAt: iso(clock.now() + HOUR) });
    clock.advance(HOUR);
    const store = createSendStore(stack.database, { now: () => clock.now() });
    expect(await store.claimDueScheduledSends(clock.now(), { owner: 'a-process-that-dies', until: clock.now() + 60_000 })).toHaveLength(1);
    sender.admin = false;
    try {
      clock.advance(2 * 60_000);
      await app.pipeline.recoverInterruptedSends();
    } finally {
      sender.admin = true;
    }
    expect(pushed(portal, text)).toEqual([]);
    expect((await call(app.url, `/sends/${created.body.send.id}`, as(portal, sender.id))).body.send).toMatchObject({ status: 'failed', error: { code: 'SENDER_NOT_ADMIN' } });
  });

  it('survives a restart: a send scheduled through one process is sent by the next, once', async () => {
    const portal = stack.sim.portal('one');
    const text = `Restart ${randomUUID()}`;
    const first = await startAppProcess();
    await call(first.url, '/sends', as(portal), { idempotencyKey: randomUUID(), text, audience: { users: employees(portal) }, sendAt: iso(clock.now() + HOUR) });
    await first.close();
    clock.advance(3 * HOUR); // the app was down when the time came
    const timers = manualTimers();
    const next = await startAppProcess({ timers });
    // The scheduler's first tick, made by start(), takes it: no waiting for the interval.
    expect(await next.firstTick).toBe(1);
    await next.pipeline.idle();
    expect(pushed(portal, text)).toEqual(employees(portal));
    timers.fire();
    await tickAll(next);
    expect(pushed(portal, text)).toEqual(employees(portal));
    await next.close();
    expect(timers.active).toBe(0);
  });

  it('re-checks its sender just before sending: one who is no longer an administrator sends nothing, and the history says why', async () => {
    const portal = stack.sim.portal('two');
    const sender = firstAdmin(portal);
    const text = `Demoted ${randomUUID()}`;
    const created = await call(app.url, '/sends', as(portal, sender.id), { idempotencyKey: randomUUID(), text, audience: { users: employees(portal) }, sendAt: iso(clock.now() + HOUR) });
    expect(created.status).toBe(201);
    sender.admin = false;
    try {
      clock.advance(2 * HOUR);
      await tickAll();
    } finally {
      sender.admin = true;
    }
    expect(pushed(portal, text)).toEqual([]);
    const after = await call(app.url, `/sends/${created.body.send.id}`, as(portal, sender.id));
    expect(after.body.send).toMatchObject({ status: 'failed', error: { code: 'SENDER_NOT_ADMIN' } });
    expect(after.body.send.error?.message).toContain('no longer a portal administrator');
  });

  it('a sender whose stored authorization no longer works when the time comes: failed with that code, nothing pushed', async () => {
    const portal = stack.sim.portal('two');
    const sender = firstAdmin(portal);
    const text = `Revoked ${randomUUID()}`;
    const created = await call(app.url, '/sends', as(portal, sender.id), { idempotencyKey: randomUUID(), text, audience: { users: employees(portal) }, sendAt: iso(clock.now() + HOUR) });
    const tokens = await stack.store.getUserTokens(portal.memberId, sender.id);
    stack.sim.oauth.revokeRefreshToken(tokens!.refreshToken);
    clock.advance(2 * HOUR); // the access token expired too: the refresh is refused
    await tickAll();
    expect(pushed(portal, text)).toEqual([]);
    const after = await call(app.url, `/sends/${created.body.send.id}`, as(portal, sender.id));
    expect(after.body.send).toMatchObject({ status: 'failed', error: { source: 'invalid_grant' } });
    expect(await postInstall(portal, sender.id)).toBe(200); // fresh tokens for the tests that follow
  });

  if (multiProcess) it('two app processes on one PostgreSQL send a due scheduled push once', async () => {
    const portal = stack.sim.portal('one');
    const text = `Two processes ${randomUUID()}`;
    const users = portal.directory.users.filter((user) => isRecipient(user) && user.pushEnabled).map((user) => user.id);
    const created = await call(app.url, '/sends', as(portal), { idempotencyKey: randomUUID(), text, audience: { users }, sendAt: iso(clock.now() + HOUR) });
    expect([created.status, created.body]).toEqual([201, expect.anything()]);
    clock.advance(HOUR + 1_000);
    const env = { ...childEnv(), NOW: String(clock.now()), TICKS: '3' };
    const results = await runContenders<{ started: number }>('schedulerContender.ts', [env, env], 60_000);
    expect(results.reduce((sum, result) => sum + result.started, 0)).toBe(1);
    expect(pushed(portal, text)).toEqual(users);
  });

  if (multiProcess) it('two app processes on one PostgreSQL given the same send at the same moment record and push it once', async () => {
    const portal = stack.sim.portal('two');
    const text = `Same key ${randomUUID()}`;
    const users = employees(portal);
    const request = { memberId: portal.memberId, senderId: firstAdmin(portal).id, idempotencyKey: randomUUID(), text, audience: { users } };
    const env = { ...childEnv(), REQUEST: JSON.stringify(request) };
    const results = await runContenders<{ created: boolean; sendId: string; status: string }>('submitContender.ts', [env, env, env], 60_000);
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(new Set(results.map((result) => result.sendId)).size).toBe(1);
    expect(pushed(portal, text)).toEqual(users);
  });
}
