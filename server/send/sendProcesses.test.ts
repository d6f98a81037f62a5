import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { freePort } from '../../test/support/freePort.js';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startStack, TEST_CLIENT_ID, TEST_CLIENT_SECRET, type Stack } from '../../scripts/stack.js';
import { fixtureClientPages } from '../../test/support/fixturePages.js';
import { firstAdmin, isRecipient, postInstall } from '../../test/support/directory.js';
import type { SimPortal } from '../../simulator/contract.js';
import { MEMBER_ID_HEADER } from '../api/frameAuth.js';
import { createSendStore, FINAL_SEND_STATUSES, type SendRecord, type SendStore } from '../storage/sendStore.js';
import { forEachDatabase, TEST_DATABASE_URL } from '../../test/support/databases.js';

/**
 * Real app processes (`runServer`, as `server/main.ts` runs it) on the machine's PostgreSQL, sending to
 * the simulator in this process: what happens to a 10,000-recipient send when the database connections
 * are cut, when a process is killed (-9) or stopped (SIGTERM) mid-send, and when a lock held elsewhere
 * would keep the shutdown from ending. Throughout: nobody is pushed twice, and nobody is lost unless
 * the history says the push may not have arrived.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const APP_PROCESS = fileURLToPath(new URL('../../test/support/processes/appProcess.ts', import.meta.url));
/** Seed 3 with 10,433 users puts exactly 10,000 active employees under the root department. */
const RECIPIENTS = 10_000;
const AUDIENCE = { departments: [{ id: 1, withSubdepartments: true }] };

forEachDatabase(
  'send processes',
  (getDb) => {
    let stack: Stack;
    let portal: SimPortal;
    let sends: SendStore;
    let recipients: number[];
    const running = new Set<AppProcess>();

    beforeAll(async () => {
      // The stack's own app installs the portal and never sends: only the child processes do.
      stack = await startStack({
        pages: fixtureClientPages(),
        databaseUrl: getDb().url,
        portals: [{ label: 'big', users: 10_433, seed: 3 }],
        sends: { scheduler: false, recoverAtStart: false },
      });
      portal = stack.sim.portal('big');
      expect(await postInstall(portal)).toBe(200);
      // Everybody has the mobile app, so every recipient's push shows in the simulator.
      for (const user of portal.directory.users) if (isRecipient(user)) user.pushEnabled = true;
      recipients = portal.directory.users.filter(isRecipient).map((user) => user.id);
      expect(recipients).toHaveLength(RECIPIENTS);
      sends = createSendStore(stack.database);
    }, 120_000);

    async function killAll(): Promise<void> {
      const apps = [...running];
      for (const app of apps) app.child.kill('SIGKILL');
      await Promise.all(apps.map((app) => app.exited));
    }
    afterEach(killAll);
    afterAll(async () => {
      await killAll();
      await stack?.close();
    });

    interface AppProcess {
      child: ChildProcess;
      url: string;
      exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
      output(): string;
    }

    /** An app process on the test database; `env` adds test timings (see appProcess.ts) or overrides. */
    async function startApp(env: Record<string, string> = {}): Promise<AppProcess> {
      const port = await freePort();
      const child = spawn(process.execPath, ['--import', 'tsx', APP_PROCESS], {
        cwd: root,
        env: {
          ...process.env,
          PORT: String(port),
          PUBLIC_URL: `http://127.0.0.1:${port}`,
          DATABASE_URL: getDb().url,
          DATA_DIR: mkdtempSync(path.join(tmpdir(), 'app-process-')),
          TOKEN_ENCRYPTION_KEY: stack.config.tokenEncryptionKey!,
          B24_CLIENT_ID: TEST_CLIENT_ID,
          B24_CLIENT_SECRET: TEST_CLIENT_SECRET,
          B24_OAUTH_URL: stack.sim.oauth.url,
          NODE_ENV: 'test',
          LOG_LEVEL: 'warn',
          // A push per call, 1,000 ids each: these tests stop, kill and cut processes between calls.
          CHUNK_SIZE: '1000',
          PUSHES_PER_CALL: '1',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
        child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
      );
      const app: AppProcess = { child, url: `http://127.0.0.1:${port}`, exited, output: () => output };
      running.add(app);
      void exited.then(() => running.delete(app));
      const deadline = Date.now() + 60_000;
      for (;;) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the app process ended before it served:\n${output}`);
        const health = await fetch(`${app.url}/healthz`).catch(() => null);
        if (health?.ok) return app;
        if (Date.now() > deadline) throw new Error(`the app process did not start:\n${output}`);
        await delay(100);
      }
    }

    /** POST /api/sends as the portal's first admin, to everybody; the send's id. */
    async function submit(app: AppProcess, text: string): Promise<string> {
      const response = await fetch(`${app.url}/api/sends`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${portal.issueTokens(firstAdmin(portal).id).access_token}`,
          [MEMBER_ID_HEADER]: portal.memberId,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({ idempotencyKey: randomUUID(), text, audience: AUDIENCE }),
      });
      const body = (await response.json()) as { send?: { id: string } };
      expect([response.status, body.send?.id]).toEqual([expect.toSatisfy((status: number) => status === 201 || status === 202), expect.any(String)]);
      return body.send!.id;
    }

    const pushesOf = (text: string) => portal.pushes.filter((push) => push.text === text);

    /** Every recipient pushed exactly once (and nobody else). */
    function expectEachPushedOnce(text: string): void {
      const counts = new Map<number, number>();
      for (const push of pushesOf(text)) counts.set(push.userId, (counts.get(push.userId) ?? 0) + 1);
      expect([...counts.keys()].sort((a, b) => a - b)).toEqual(recipients);
      expect([...counts.values()].filter((count) => count !== 1)).toEqual([]);
    }

    async function waitFor<T>(what: string, probe: () => T | null | undefined | false | Promise<T | null | undefined | false>, timeoutMs: number, everyMs = 20): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await probe();
        if (value) return value;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await delay(everyMs);
      }
    }

    const finished = (sendId: string) =>
      waitFor(
        'the send to finish',
        async () => {
          const send = await sends.getSend(portal.memberId, sendId);
          return send && FINAL_SEND_STATUSES.includes(send.status) ? send : null;
        },
        90_000,
        200,
      );

    async function chunkStatuses(sendId: string): Promise<string[]> {
      return (await sends.listChunks(sendId)).map((chunk) => (chunk.status === 'uncertain' ? `uncertain:${chunk.errorCode}` : chunk.status));
    }

    async function expectTotalsAddUp(send: SendRecord): Promise<void> {
      const totals = (await sends.chunkTotals([send.id])).get(send.id)!;
      expect(send.recipientCount).toBe(RECIPIENTS);
      expect(totals.pending + totals.sending + totals.accepted + totals.failed + totals.uncertain).toBe(RECIPIENTS);
    }

    it('the database connections cut every 100 ms for 5 s during a 10,000-recipient send: the process stays up, the send finishes, everybody is pushed exactly once', { timeout: 120_000 }, async () => {
      const applicationName = `b24push_cut_${process.pid}_${randomUUID().slice(0, 8)}`;
      const url = new URL(getDb().url);
      url.searchParams.set('application_name', applicationName);
      const app = await startApp({ DATABASE_URL: url.toString(), PUSH_ANSWER_DELAY_MS: '500' });
      const text = `Connections cut ${randomUUID()}`;
      const sendId = await submit(app, text);

      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      admin.on('error', () => undefined);
      await admin.connect();
      let terminated = 0;
      try {
        for (const end = Date.now() + 5_000; Date.now() < end; ) {
          const { rows } = await admin.query<{ terminated: boolean }>('select pg_terminate_backend(pid) as terminated from pg_stat_activity where application_name = $1', [applicationName]);
          terminated += rows.filter((row) => row.terminated).length;
          await delay(100);
        }
      } finally {
        await admin.end();
      }
      expect(terminated).toBeGreaterThan(0);
      expect([app.child.exitCode, app.child.signalCode], app.output()).toEqual([null, null]);

      const send = await finished(sendId);
      expect([app.child.exitCode, app.child.signalCode], app.output()).toEqual([null, null]);
      expect([send.status, send.errorCode], app.output()).toEqual(['sent', null]);
      expect(await chunkStatuses(sendId)).toEqual(Array(10).fill('accepted'));
      await expectTotalsAddUp(send);
      expectEachPushedOnce(text);
      const retried = app.output().split('\n').filter((line) => line.includes('trying again') || line.includes('retrying')).length;
      console.info(`connections cut: ${terminated} backends terminated while sending; ${retried} database operations or calls tried again`);
    });

    it('a process killed (-9) mid-send: another process takes it over within 30 s; the chunk in flight is uncertain, nobody is pushed twice or lost', { timeout: 120_000 }, async () => {
      const doomed = await startApp({ PUSH_ANSWER_DELAY_MS: '1000' });
      const other = await startApp();
      const text = `Killed ${randomUUID()}`;
      const sendId = await submit(doomed, text);
      // Bitrix24 has taken the third chunk; its answer is on the way: the process dies now.
      await waitFor('three chunks pushed', () => pushesOf(text).length >= 3_000, 60_000, 5);
      doomed.child.kill('SIGKILL');
      const killedAt = Date.now();
      await doomed.exited;
      expect(pushesOf(text)).toHaveLength(3_000);

      const tookOverAt = await waitFor('another process to take over', () => pushesOf(text).length > 3_000 && Date.now(), 60_000, 5);
      const send = await finished(sendId);
      console.info(`kill -9: taken over after ${tookOverAt - killedAt} ms`);
      expect(tookOverAt - killedAt).toBeLessThan(30_000);
      expect(send.status).toBe('partly_failed');
      expect(await chunkStatuses(sendId)).toEqual(['accepted', 'accepted', 'uncertain:INTERRUPTED', ...Array(7).fill('accepted')]);
      await expectTotalsAddUp(send);
      expectEachPushedOnce(text);
      expect([other.child.exitCode, other.child.signalCode]).toEqual([null, null]);
    });

    it('a process stopped (SIGTERM) mid-send finishes only the call in flight, records it and exits; the restart goes on at once and the send ends sent, everybody pushed once', { timeout: 120_000 }, async () => {
      const first = await startApp({ PUSH_ANSWER_DELAY_MS: '1000', SHUTDOWN_GRACE_MS: '3000' });
      const text = `Deployed ${randomUUID()}`;
      const sendId = await submit(first, text);
      await waitFor('three chunks pushed', () => pushesOf(text).length >= 3_000, 60_000, 5);
      first.child.kill('SIGTERM');
      const signalledAt = Date.now();
      const exit = await first.exited;
      console.info(`SIGTERM mid-send: exited after ${exit.at - signalledAt} ms`);
      expect(exit.code, first.output()).toBe(0);
      // It claimed nothing after the signal: the chunk in flight was recorded, the rest waits.
      expect(pushesOf(text)).toHaveLength(3_000);
      expect(await chunkStatuses(sendId)).toEqual([...Array(3).fill('accepted'), ...Array(7).fill('pending')]);

      const restartedAt = Date.now();
      await startApp();
      const resumedAt = await waitFor('the restart to resume', () => pushesOf(text).length > 3_000 && Date.now(), 60_000, 5);
      console.info(`SIGTERM mid-send: the restart resumed ${resumedAt - restartedAt} ms after it was started`);
      const send = await finished(sendId);
      expect(send.status).toBe('sent');
      expect(await chunkStatuses(sendId)).toEqual(Array(10).fill('accepted'));
      await expectTotalsAddUp(send);
      expectEachPushedOnce(text);
    });

    it('SIGTERM while another connection holds a lock on send_chunks: the process still exits, within the grace period plus the close deadline', { timeout: 120_000 }, async () => {
      const app = await startApp({ PUSH_ANSWER_DELAY_MS: '1000', SHUTDOWN_GRACE_MS: '2000' });
      // The chunk in flight is recorded into a table another connection holds.
      await midSendWithChunksLocked(app, 'Locked', 2, async () => {
        app.child.kill('SIGTERM');
        const signalledAt = Date.now();
        const exit = await Promise.race([app.exited, delay(40_000).then(() => null)]);
        console.info(`SIGTERM with a held lock: ${exit ? `exited after ${exit.at - signalledAt} ms with code ${exit.code}` : 'still running after 40 s'}`);
        expect(exit, app.output()).not.toBeNull();
        // The grace (2 s here, 25 s by default) plus the 5 s close deadline, and some slack for a busy machine.
        expect(exit!.at - signalledAt).toBeLessThan(35_000);
        // What freed it: the close deadline, or PostgreSQL's statement_timeout (5 s, decision 0002) cutting the blocked write first.
        expect(app.output()).toMatch(/the database did not close in time|"code":"57014"/);
      });
    });

    it('a second SIGTERM during the shutdown ends the process at once, without waiting for the grace period', { timeout: 120_000 }, async () => {
      const app = await startApp({ PUSH_ANSWER_DELAY_MS: '1000', SHUTDOWN_GRACE_MS: '60000' });
      await midSendWithChunksLocked(app, 'Twice', 1, async () => {
        app.child.kill('SIGTERM');
        // The drain waits for the write held by the lock, up to its 60 s grace.
        await delay(1_000);
        expect([app.child.exitCode, app.child.signalCode]).toEqual([null, null]);
        app.child.kill('SIGTERM');
        const signalledAt = Date.now();
        const exit = await Promise.race([app.exited, delay(30_000).then(() => null)]);
        console.info(`second SIGTERM: ${exit ? `exited after ${exit.at - signalledAt} ms with code ${exit.code}` : 'still running after 30 s'}`);
        expect(exit, app.output()).not.toBeNull();
        expect(exit!.at - signalledAt).toBeLessThan(10_000);
        expect(exit!.code).toBe(1);
      });
    });

    /** Starts a 1,000-per-chunk send on `app` and, once `chunks` chunks are pushed, runs `body` with send_chunks locked. */
    async function midSendWithChunksLocked(app: Awaited<ReturnType<typeof startApp>>, label: string, chunks: number, body: () => Promise<void>): Promise<void> {
      const text = `${label} ${randomUUID()}`;
      await submit(app, text);
      await waitFor(`${chunks} chunk(s) pushed`, () => pushesOf(text).length >= chunks * 1_000, 60_000, 5);
      await withChunksLocked(body);
    }

    /** Runs `body` while another connection holds send_chunks locked (so the app's writes there wait), then lets go. */
    async function withChunksLocked(body: () => Promise<void>): Promise<void> {
      const locker = new pg.Client({ connectionString: getDb().url });
      locker.on('error', () => undefined);
      await locker.connect();
      try {
        await locker.query('begin');
        await locker.query('lock table send_chunks in access exclusive mode');
        await delay(1_500);
        await body();
      } finally {
        await locker.query('rollback').catch(() => undefined);
        await locker.end().catch(() => undefined);
      }
    }
  },
  { only: ['postgres'] },
);
