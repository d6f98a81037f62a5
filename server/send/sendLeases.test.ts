import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, type Stack } from '../../scripts/stack.js';
import { fixtureClientPages } from '../../test/support/fixturePages.js';
import { firstAdmin, isRecipient, postInstall } from '../../test/support/directory.js';
import { ManualClock } from '../../simulator/index.js';
import type { SimPortal } from '../../simulator/contract.js';
import { createLogger } from '../logger.js';
import { createDepartmentTreeCache } from '../audience/departmentTreeCache.js';
import { openDatabase, type AppDatabase } from '../storage/database.js';
import { createPortalStore } from '../storage/portalStore.js';
import { createSendStore, type SendStore } from '../storage/sendStore.js';
import { forEachDatabase, TEST_DATABASE_URL, type TestDatabase } from '../../test/support/databases.js';
import { createTokenCipher, parseEncryptionKey } from '../security/tokenCipher.js';
import { sendAudience } from './audience.js';
import { DEFAULT_HEARTBEAT_MS, DEFAULT_LEASE_MS, PUSH_METHOD, type SendPipeline } from './sendPipeline.js';
import type { IntervalTimers } from './timers.js';
import { createSending } from './wiring.js';

/**
 * Leases and lost connections, in one process with app pipelines built as an app process builds them,
 * against the simulator: a long call keeps its send (the heartbeat), and an accepted chunk is recorded
 * accepted although the connection doing it was cut.
 */

forEachDatabase('send leases', (getDb) => leaseSuite(getDb));
forEachDatabase('send leases, lost connections', (getDb) => lostConnectionSuite(getDb), { only: ['postgres'] });

/** Timer functions whose interval callbacks the test fires by hand. */
function manualTimers(): IntervalTimers & { fire(): void } {
  const callbacks = new Map<object, () => void>();
  return {
    setInterval(callback) {
      const handle = { unref: () => handle };
      callbacks.set(handle, callback);
      return handle;
    },
    clearInterval(handle) {
      callbacks.delete(handle);
    },
    fire: () => [...callbacks.values()].forEach((callback) => callback()),
  };
}

/** A fetch whose push answers can be held back: Bitrix24 has taken the push, its answer is slow to come. */
function slowPushAnswers() {
  const held: Array<() => void> = [];
  let holding = false;
  let answered = 0;
  const fetchWithSlowAnswers: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url.includes(PUSH_METHOD)) {
      if (holding) await new Promise<void>((resolve) => held.push(resolve));
      answered += 1;
    }
    return response;
  };
  return {
    fetch: fetchWithSlowAnswers,
    hold: () => (holding = true),
    /** Lets every held answer through and holds no more. */
    release: () => {
      holding = false;
      held.splice(0).forEach((resolve) => resolve());
    },
    get heldCount() {
      return held.length;
    },
    get answered() {
      return answered;
    },
  };
}

interface Fixture {
  stack: Stack;
  clock: ManualClock;
  portal: SimPortal;
  sends: SendStore;
  /** A pipeline as an app process has it (scheduler not started), on `database` (default the stack's). */
  pipeline(options: { database?: AppDatabase; fetch?: typeof fetch; heartbeatTimers?: IntervalTimers; chunkSize?: number }): SendPipeline;
  pushedOnce(text: string, users: number[]): void;
}

function fixture(getDb: () => TestDatabase): () => Fixture {
  let current: Fixture | undefined;
  beforeAll(async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 24, 9));
    // The stack's own app sends nothing: only the pipelines a test builds do.
    const stack = await startStack({ pages: fixtureClientPages(), databaseUrl: getDb().url, clock, portals: [{ label: 'leases', users: 40 }], sends: { scheduler: false, recoverAtStart: false } });
    const portal = stack.sim.portal('leases');
    expect(await postInstall(portal)).toBe(200);
    current = {
      stack,
      clock,
      portal,
      sends: createSendStore(stack.database, { now: () => clock.now() }),
      pipeline(options) {
        const database = options.database ?? stack.database;
        const { pipeline: built } = createSending({
          config: stack.config,
          database,
          store: database === stack.database ? stack.store : createPortalStore(database, createTokenCipher(parseEncryptionKey(stack.config.tokenEncryptionKey!))),
          logger: createLogger({ level: 'silent' }),
          audience: sendAudience(createDepartmentTreeCache({ now: () => clock.now() })),
          now: () => clock.now(),
          fetch: options.fetch,
          // One chunk per call: these tests follow a lease from call to call.
          options: { scheduler: false, recoverAtStart: false, heartbeatTimers: options.heartbeatTimers, chunkSize: options.chunkSize, pushesPerCall: 1 },
        });
        return built!;
      },
      pushedOnce(text, users) {
        const pushed = portal.pushes.filter((push) => push.text === text).map((push) => push.userId);
        expect(pushed.sort((a, b) => a - b)).toEqual([...users].sort((a, b) => a - b));
      },
    };
  });
  afterAll(async () => {
    await current?.stack.close();
  });
  return () => current!;
}

const recipientsOf = (portal: SimPortal, count: number) =>
  portal.directory.users
    .filter((user) => isRecipient(user) && user.pushEnabled)
    .slice(0, count)
    .map((user) => user.id);

async function waitFor<T>(what: string, probe: () => T | null | undefined | false | Promise<T | null | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

function leaseSuite(getDb: () => TestDatabase): void {
  const get = fixture(getDb);

  it('a call that outlasts any lease keeps its send: the heartbeat renews the lease, another process’s recovery leaves it alone', async () => {
    const { clock, portal, sends, pipeline, pushedOnce } = get();
    const network = slowPushAnswers();
    const heartbeat = manualTimers();
    const working = pipeline({ fetch: network.fetch, heartbeatTimers: heartbeat, chunkSize: 2 });
    const other = pipeline({});
    const users = recipientsOf(portal, 4);
    const text = `Long call ${randomUUID()}`;
    network.hold();
    const submission = await working.submit({ memberId: portal.memberId, senderId: firstAdmin(portal).id, idempotencyKey: randomUUID(), text, audience: { users } });
    await waitFor('the first push to be taken and its answer held', () => network.heldCount === 1);

    // Six minutes pass (more than the old five-minute lease) while the answer is on its way.
    for (let beat = 0; beat < (6 * 60_000) / DEFAULT_HEARTBEAT_MS; beat += 1) {
      clock.advance(DEFAULT_HEARTBEAT_MS);
      heartbeat.fire();
      const renewedUntil = clock.now() + DEFAULT_LEASE_MS;
      await waitFor('the heartbeat', async () => (await sends.getSend(portal.memberId, submission.send.id))?.leaseUntil === renewedUntil);
      expect(await other.recoverInterruptedSends({ whileRunning: true })).toEqual({ resumed: 0, uncertainChunks: 0 });
    }
    expect(await sends.getSend(portal.memberId, submission.send.id)).toMatchObject({ status: 'sending', leaseOwner: working.ownerId });

    network.release();
    expect(await submission.done).toMatchObject({ status: 'sent', leaseUntil: null });
    expect((await sends.listChunks(submission.send.id)).map((chunk) => chunk.status)).toEqual(['accepted', 'accepted']);
    pushedOnce(text, users);
    // No run, no heartbeat: after the lease the send is nobody's, and finished, so there is nothing to take.
    clock.advance(DEFAULT_LEASE_MS + 1);
    expect(await other.recoverInterruptedSends({ whileRunning: true })).toEqual({ resumed: 0, uncertainChunks: 0 });
  });

  it('a stopping process claims nothing more, records the call in flight and gives its lease up: another process goes on at once, nothing uncertain', async () => {
    const { portal, sends, pipeline, pushedOnce } = get();
    const network = slowPushAnswers();
    const stopping = pipeline({ fetch: network.fetch, heartbeatTimers: manualTimers(), chunkSize: 2 });
    const users = recipientsOf(portal, 6);
    const text = `Stopped ${randomUUID()}`;
    network.hold();
    const submission = await stopping.submit({ memberId: portal.memberId, senderId: firstAdmin(portal).id, idempotencyKey: randomUUID(), text, audience: { users } });
    await waitFor('the first push to be taken and its answer held', () => network.heldCount === 1);

    const stopped = stopping.stop();
    network.release();
    await stopped;
    expect(network.answered).toBe(1);
    expect((await sends.listChunks(submission.send.id)).map((chunk) => chunk.status)).toEqual(['accepted', 'pending', 'pending']);
    expect(await sends.getSend(portal.memberId, submission.send.id)).toMatchObject({ status: 'sending', leaseOwner: null, leaseUntil: null });
    // Stopped: it takes nothing new either.
    expect(await stopping.recoverInterruptedSends({ whileRunning: true })).toEqual({ resumed: 0, uncertainChunks: 0 });

    // No time passes: the lease was given up, not left to run out.
    const next = pipeline({});
    expect(await next.recoverInterruptedSends({ whileRunning: true })).toEqual({ resumed: 1, uncertainChunks: 0 });
    expect(await sends.getSend(portal.memberId, submission.send.id)).toMatchObject({ status: 'sent' });
    expect((await sends.listChunks(submission.send.id)).map((chunk) => chunk.status)).toEqual(['accepted', 'accepted', 'accepted']);
    pushedOnce(text, users);
  });
}

function lostConnectionSuite(getDb: () => TestDatabase): void {
  const get = fixture(getDb);

  it('the connection recording an accepted chunk is cut: the write is tried again on a fresh connection, the chunk ends accepted and the send sent', async () => {
    const { portal, sends, pipeline, pushedOnce } = get();
    const applicationName = `b24push_lost_${process.pid}_${randomUUID().slice(0, 8)}`;
    const url = new URL(getDb().url);
    url.searchParams.set('application_name', applicationName);
    const database = await openDatabase(url.toString());
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    admin.on('error', () => undefined);
    await admin.connect();
    const locker = new pg.Client({ connectionString: getDb().url });
    locker.on('error', () => undefined);
    await locker.connect();
    try {
      const network = slowPushAnswers();
      const working = pipeline({ database, fetch: network.fetch, heartbeatTimers: manualTimers(), chunkSize: 2 });
      const users = recipientsOf(portal, 4);
      const text = `Cut while recording ${randomUUID()}`;
      network.hold();
      const submission = await working.submit({ memberId: portal.memberId, senderId: firstAdmin(portal).id, idempotencyKey: randomUUID(), text, audience: { users } });
      await waitFor('the first push to be taken and its answer held', () => network.heldCount === 1);

      // The write that records chunk 0 accepted waits behind a lock; its connection is cut there.
      await locker.query('begin');
      await locker.query('lock table send_chunks in access exclusive mode');
      network.release();
      const waitingOnLock = `select pid from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'`;
      await waitFor('the write to wait for the lock', async () => (await admin.query(waitingOnLock, [applicationName])).rowCount === 1);
      await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1`, [applicationName]);
      // Tried again on a fresh connection, which waits for the lock in turn.
      await waitFor('the write to be tried again', async () => (await admin.query(waitingOnLock, [applicationName])).rowCount === 1);
      await locker.query('rollback');

      expect(await submission.done).toMatchObject({ status: 'sent' });
      expect((await sends.listChunks(submission.send.id)).map((chunk) => chunk.status)).toEqual(['accepted', 'accepted']);
      pushedOnce(text, users);
    } finally {
      await locker.query('rollback').catch(() => undefined);
      await locker.end().catch(() => undefined);
      await admin.end().catch(() => undefined);
      await database.close();
    }
  });
}
