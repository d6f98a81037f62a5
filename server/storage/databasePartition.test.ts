import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { advisoryLockKey, migrateToLatest, openDatabase, type AppDatabase, type OpenDatabaseOptions } from './database.js';
import { isDatabaseUnavailable, isTransientDatabaseError, StatementTimeoutError } from './databaseErrors.js';
import { createPortalStore } from './portalStore.js';
import { createApp } from '../app.js';
import { composeParts } from '../composition.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { createLifecycle, type Lifecycle } from '../lifecycle.js';
import { MEMBER_ID_HEADER } from '../api/frameAuth.js';
import { createTokenCipher, generateEncryptionKey } from '../security/tokenCipher.js';
import { createPostgresTestDatabase, forEachDatabase, TEST_DATABASE_URL } from '../../test/support/databases.js';
import { fixtureClientPages } from '../../test/support/fixturePages.js';
import { startTcpProxy, type TcpProxy } from '../../test/support/tcpProxy.js';
import { eventually } from '../../test/support/eventually.js';

/**
 * Issue 18: PostgreSQL behind a network that loses every packet (a partition, a failover), made with a
 * TCP proxy in front of the real server (test/support/tcpProxy.ts). The bounds are shortened from
 * POSTGRES_TIMEOUTS so each test takes seconds. A deadline far above them tells "answered in time"
 * from "hangs until the kernel gives up" (about 15 minutes).
 */

const SHORT: OpenDatabaseOptions = { queryTimeoutMs: 1_000, statementTimeoutMs: 700, connectionTimeoutMs: 1_000, lockWaitTimeoutMs: 5_000, poolSize: 3 };
const HANGS_AFTER_MS = 6_000;
const logger = createLogger({ level: 'silent' });

class StillWaiting extends Error {}

/** `promise`, or a StillWaiting rejection once `ms` have passed without an answer. */
async function answeredWithin<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new StillWaiting(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The error `promise` rejects with (fails the test if it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

function throughProxy(url: string, proxy: TcpProxy): string {
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  return proxied.toString();
}

const read = (appDb: AppDatabase) => sql<{ one: number }>`select 1 as one`.execute(appDb.db);

forEachDatabase(
  'PostgreSQL behind a partition',
  (getDb) => {
    const cleanup: Array<() => Promise<unknown>> = [];
    afterEach(async () => {
      for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
    });

    async function proxied(): Promise<{ proxy: TcpProxy; appDb: AppDatabase }> {
      const target = new URL(getDb().url);
      const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
      cleanup.push(() => proxy.close());
      const appDb = await openDatabase(throughProxy(getDb().url, proxy), { ...SHORT, logger });
      cleanup.push(() => appDb.close());
      return { proxy, appDb };
    }

    it('a read on a connection that went silent fails within the query timeout; once the network is back the pool holds only fresh connections', async () => {
      const { proxy, appDb } = await proxied();
      // Three pooled connections, idle.
      await Promise.all([0, 1, 2].map(() => sql`select pg_sleep(0.05)`.execute(appDb.db)));

      proxy.partition();
      const lost = await rejectionOf(answeredWithin(HANGS_AFTER_MS, read(appDb)));
      expect(lost).toBeInstanceOf(StatementTimeoutError);
      expect(isDatabaseUnavailable(lost)).toBe(true);
      expect(isTransientDatabaseError(lost)).toBe(true);

      proxy.heal();
      // The other two pooled connections are as dead as the first: none of these reads may get one.
      const reads = await answeredWithin(HANGS_AFTER_MS, Promise.allSettled([0, 1, 2].map(() => read(appDb))));
      expect(reads.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    });

    it('a timed-out statement inside a transaction fails the transaction at once: its ROLLBACK does not wait again', async () => {
      const { proxy, appDb } = await proxied();
      await read(appDb);
      const transaction = appDb.db.transaction().execute(async (trx) => {
        await sql`select 1`.execute(trx);
        proxy.partition();
        await sql`select 2`.execute(trx);
      });
      const failure = await rejectionOf(answeredWithin(HANGS_AFTER_MS, transaction));
      expect(isDatabaseUnavailable(failure)).toBe(true);
      // Kysely's ROLLBACK failed at once on the dropped connection (its error is the one thrown), not after a timeout of its own.
      expect((failure as Error).message).toMatch(/the connection was dropped/);
    });

    it('a statement the server does not finish within statement_timeout is cut by the server (57014), a database problem', async () => {
      const appDb = await openDatabase(getDb().url, { ...SHORT, statementTimeoutMs: 300, queryTimeoutMs: 5_000, logger });
      cleanup.push(() => appDb.close());
      const cut = await rejectionOf(sql`select pg_sleep(3)`.execute(appDb.db));
      expect((cut as { code?: string }).code).toBe('57014');
      expect(isDatabaseUnavailable(cut)).toBe(true);
      expect((await read(appDb)).rows).toEqual([{ one: 1 }]);
    });

    it('a statement waiting for an advisory lock by design waits past the query timeout', async () => {
      const appDb = await openDatabase(getDb().url, { ...SHORT, statementTimeoutMs: 200, queryTimeoutMs: 300, lockWaitTimeoutMs: 5_000, logger });
      cleanup.push(() => appDb.close());
      const holder = new pg.Client({ connectionString: getDb().url });
      holder.on('error', () => undefined);
      await holder.connect();
      cleanup.push(() => holder.end());
      const key = advisoryLockKey('issue-18', randomBytes(4).toString('hex'));
      await holder.query('select pg_advisory_lock($1::bigint)', [key]);
      setTimeout(() => void holder.query('select pg_advisory_unlock($1::bigint)', [key]), 800);
      // As the token lock does (server/storage/portals/tokenLock.ts): statement_timeout raised for the transaction.
      const got = await appDb.db.transaction().execute(async (trx) => {
        await sql`select set_config('statement_timeout', '5s', true)`.execute(trx);
        await sql`select pg_advisory_xact_lock(${key}::bigint)`.execute(trx);
        return 'locked';
      });
      expect(got).toBe('locked');
    });

    it('migrations run without the statement bounds: waiting for another process’s migration lock outlasts them', async () => {
      const fresh = await createPostgresTestDatabase({ migrate: false });
      cleanup.push(() => fresh.dispose());
      const appDb = await openDatabase(fresh.url, { ...SHORT, statementTimeoutMs: 200, queryTimeoutMs: 300, lockWaitTimeoutMs: 400, logger });
      cleanup.push(() => appDb.close());
      const schema = new URL(fresh.url).searchParams.get('options')!.replace('-c search_path=', '');
      const holder = new pg.Client({ connectionString: TEST_DATABASE_URL });
      holder.on('error', () => undefined);
      await holder.connect();
      cleanup.push(() => holder.end());
      const key = advisoryLockKey('b24-push:migrations', schema);
      await holder.query('select pg_advisory_lock($1::bigint)', [key]);
      setTimeout(() => void holder.query('select pg_advisory_unlock($1::bigint)', [key]), 1_000);
      expect((await migrateToLatest(appDb)).applied.length).toBeGreaterThan(0);
    });

    describe('through the app', () => {
      let server: Server | undefined;
      let lifecycle: Lifecycle | undefined;
      afterEach(async () => {
        if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
        await lifecycle?.drain(5_000);
        server = undefined;
        lifecycle = undefined;
      });

      it('an API call answers 503 DATABASE_UNAVAILABLE (in the caller’s language, with Retry-After) and /readyz 503 while the database is unreachable; both recover once it is back', async () => {
        const { proxy, appDb } = await proxied();
        lifecycle = createLifecycle();
        const store = createPortalStore(appDb, createTokenCipher(generateEncryptionKey()));
        const app = createApp({ parts: composeParts({ config: loadConfig({}), logger, store, database: appDb, lifecycle }), pages: fixtureClientPages() });
        server = app.listen(0, '127.0.0.1');
        await new Promise((resolve) => server!.once('listening', resolve));
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const status = (language: string) =>
          fetch(`${base}/api/status`, { headers: { Authorization: 'Bearer some-frame-token', [MEMBER_ID_HEADER]: randomBytes(16).toString('hex'), 'Accept-Language': language } });

        // The database answers: a portal it does not hold.
        expect((await status('en')).status).toBe(401);

        proxy.partition();
        const refused = await answeredWithin(HANGS_AFTER_MS, status('de'));
        expect(refused.status).toBe(503);
        expect(refused.headers.get('retry-after')).toBe('5');
        expect(await refused.json()).toEqual({ error: 'DATABASE_UNAVAILABLE', message: 'Die App erreicht ihre Datenbank gerade nicht. Versuchen Sie es in einigen Sekunden erneut.' });
        const russian = await answeredWithin(HANGS_AFTER_MS, status('ru'));
        expect([russian.status, ((await russian.json()) as { message: string }).message]).toEqual([503, 'Приложение сейчас не может связаться со своей базой данных. Повторите попытку через несколько секунд.']);

        const unready = await answeredWithin(HANGS_AFTER_MS, fetch(`${base}/readyz`));
        expect(unready.status).toBe(503);
        expect(await unready.json()).toMatchObject({ status: 'unavailable', checks: { database: 'unreachable', limits: 'ok' } });

        proxy.heal();
        await eventually('/readyz answers 200', async () => (await fetch(`${base}/readyz`)).status === 200);
        for (let i = 0; i < 5; i += 1) {
          const answer = await status('en');
          expect([answer.status, ((await answer.json()) as { error: string }).error]).toEqual([401, 'UNKNOWN_PORTAL']);
        }
      });
    });
  },
  { only: ['postgres'] },
);

describe('isDatabaseUnavailable', () => {
  const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

  it('tells an unreachable or stuck database from a statement’s own error and from a conflict', () => {
    for (const error of [
      new StatementTimeoutError('PostgreSQL did not answer within 7000 ms'),
      new Error('Query read timeout'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Connection terminated due to connection timeout'),
      new Error('Connection terminated unexpectedly'),
      new Error('Client has encountered a connection error and is not queryable'),
      withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      withCode('terminating connection due to administrator command', '57P01'),
      withCode('canceling statement due to statement timeout', '57014'),
      withCode('sorry, too many clients already', '53300'),
      withCode('connection failure', '08006'),
      withCode('database is locked', 'SQLITE_BUSY'),
      new Error('reading the portal failed', { cause: withCode('read ECONNRESET', 'ECONNRESET') }),
    ]) {
      expect([error.message, isDatabaseUnavailable(error)]).toEqual([error.message, true]);
    }
    for (const error of [
      withCode('could not serialize access', '40001'),
      withCode('deadlock detected', '40P01'),
      withCode('duplicate key value violates unique constraint', '23505'),
      new Error('driver has already been destroyed'),
      'Connection terminated',
      null,
    ]) {
      expect(isDatabaseUnavailable(error)).toBe(false);
    }
    expect(isTransientDatabaseError(withCode('deadlock detected', '40P01'))).toBe(true);
  });
});
