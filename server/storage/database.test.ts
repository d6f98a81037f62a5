import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Migrator, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseUrlError, isTransientDatabaseError, MigrationError, migrateToLatest, openDatabase, type AppDatabase } from './database.js';
import { migrationProvider, migrations } from './migrations/index.js';
import { createTestDatabase, forEachDatabase, postgresProbe, TEST_DATABASE_URL, type DisposableTestDatabase } from '../../test/support/databases.js';
import { runContenders } from '../../test/support/childProcesses.js';

const ALL_MIGRATIONS = Object.keys(migrations);
const APP_TABLES = ['app_meta', 'portal_users', 'portals', 'send_chunks', 'sends'];

async function currentSchema(appDb: AppDatabase): Promise<string> {
  return (await sql<{ schema: string }>`select current_schema() as schema`.execute(appDb.db)).rows[0]!.schema;
}

/** Tables of this database only (on PostgreSQL: of the current schema, not the whole database). */
async function appTables(appDb: AppDatabase): Promise<string[]> {
  const query =
    appDb.kind === 'postgres'
      ? sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema()`
      : sql<{ name: string }>`select name from sqlite_master where type = 'table'`;
  const { rows } = await query.execute(appDb.db);
  return rows
    .map((row) => row.name)
    .filter((name) => !name.startsWith('kysely_') && !name.startsWith('sqlite_'))
    .sort();
}

async function appliedMigrations(appDb: AppDatabase): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(appDb.db);
  return rows.map((row) => row.name);
}

describe('openDatabase', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'team-push-db-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('opens sqlite:<path> relative to the working directory, creating its folder, in WAL mode with foreign keys on', async () => {
    const cwd = process.cwd();
    process.chdir(folder);
    let appDb: AppDatabase | undefined;
    try {
      appDb = await openDatabase('sqlite:./nested/deeper/app.sqlite');
      expect(appDb.kind).toBe('sqlite');
      expect(existsSync(path.join(folder, 'nested', 'deeper', 'app.sqlite'))).toBe(true);
      const journal = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(appDb.db);
      expect(journal.rows[0]?.journal_mode).toBe('wal');
      const foreignKeys = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(appDb.db);
      expect(foreignKeys.rows[0]?.foreign_keys).toBe(1);
      const busy = await sql<{ timeout: number }>`pragma busy_timeout`.execute(appDb.db);
      expect(busy.rows[0]?.timeout).toBeGreaterThan(0);
    } finally {
      process.chdir(cwd);
      await appDb?.close();
    }
  });

  it('opens sqlite::memory: (nothing on disk) and can close twice', async () => {
    const appDb = await openDatabase('sqlite::memory:');
    expect(appDb.kind).toBe('sqlite');
    await migrateToLatest(appDb);
    expect(await appTables(appDb)).toEqual(APP_TABLES);
    await appDb.close();
    await appDb.close();
  });

  it.each(['mysql://root@localhost/app', 'app.sqlite', '', 'sqlite:', 'file:./x.db'])('rejects %j with an error naming DATABASE_URL', async (url) => {
    await expect(openDatabase(url)).rejects.toThrow(/DATABASE_URL/);
  });

  it('does not echo a PostgreSQL password when it cannot connect', async () => {
    const attempt = openDatabase('postgres://someone:Sup3rSecretPw@127.0.0.1:1/nothing');
    await expect(attempt).rejects.toThrow(/Cannot connect to PostgreSQL at 127\.0\.0\.1:1\/nothing \(DATABASE_URL\)/);
    await expect(attempt).rejects.not.toThrow(/Sup3rSecretPw/);
  });

  it('an unknown scheme is a DatabaseUrlError', async () => {
    await expect(openDatabase('redis://localhost')).rejects.toBeInstanceOf(DatabaseUrlError);
  });
});

forEachDatabase(
  'migrations',
  (getDb) => {
    it('migrate to latest creates the foundation schema, and running it again changes nothing', async () => {
      const { appDb } = getDb();
      const first = await migrateToLatest(appDb);
      expect(first.applied).toEqual(ALL_MIGRATIONS);
      expect(await appTables(appDb)).toEqual(APP_TABLES);

      const second = await migrateToLatest(appDb);
      expect(second.applied).toEqual([]);
      expect(await appliedMigrations(appDb)).toEqual(ALL_MIGRATIONS);
      expect(await appTables(appDb)).toEqual(APP_TABLES);
    });

    it('enforces the state and boolean checks on both dialects', async () => {
      const { appDb } = getDb();
      const now = Date.now();
      const portal = { member_id: 'check-m', domain: 'd', client_endpoint: 'c', server_endpoint: 's', app_name: 'A', created_at: now, updated_at: now };
      await expect(
        appDb.db
          .insertInto('portals')
          .values({ ...portal, install_state: 'bogus' as never, application_token: null, install_finished_at: null })
          .execute(),
      ).rejects.toThrow();
      await appDb.db.insertInto('portals').values({ ...portal, install_state: 'new', application_token: null, install_finished_at: null }).execute();
      const user = { member_id: 'check-m', user_id: 1, access_token: 'x', refresh_token: 'y', expires_at: now, scope: '', updated_at: now };
      await expect(appDb.db.insertInto('portal_users').values({ ...user, is_admin: 2, token_state: 'live' }).execute()).rejects.toThrow();
      await expect(appDb.db.insertInto('portal_users').values({ ...user, is_admin: 1, token_state: 'zombie' as never }).execute()).rejects.toThrow();
      // A foreign key: no user row without its portal.
      await expect(
        appDb.db.insertInto('portal_users').values({ ...user, member_id: 'no-such-portal', is_admin: 0, token_state: 'live' }).execute(),
      ).rejects.toThrow();
      // Epoch milliseconds come back as exact numbers (int8 on PostgreSQL).
      const big = 4_102_444_800_123;
      await appDb.db.insertInto('portal_users').values({ ...user, expires_at: big, is_admin: 1, token_state: 'live' }).execute();
      const row = await appDb.db.selectFrom('portal_users').select(['expires_at', 'is_admin']).where('member_id', '=', 'check-m').executeTakeFirstOrThrow();
      expect(row.expires_at).toBe(big);
      expect(row.is_admin).toBe(1);
    });

    it('0004 (scheduled sends) keeps every existing send and chunk, takes the new statuses, and can be rolled back', async () => {
      const { appDb } = getDb();
      const migrator = new Migrator({ db: appDb.db, provider: migrationProvider, ...(appDb.kind === 'postgres' ? { migrationTableSchema: await currentSchema(appDb) } : {}) });
      expect((await migrator.migrateTo('0003_portal_app_status')).error).toBeUndefined();
      const now = Date.now();
      await sql`insert into portals (member_id, domain, client_endpoint, server_endpoint, app_name, install_state, created_at, updated_at) values ('m4', 'd', 'c', 's', 'A', 'installed', ${now}, ${now})`.execute(appDb.db);
      for (const [id, status] of [['s-sent', 'sent'], ['s-run', 'sending']] as const) {
        await sql`insert into sends (id, member_id, sender_id, created_at, idempotency_key, request_hash, text, status, updated_at) values (${id}, 'm4', 1, ${now}, ${`k-${id}`}, 'h', 'Hello', ${status}, ${now})`.execute(appDb.db);
        await sql`insert into send_chunks (send_id, chunk_index, user_ids, size, status, updated_at) values (${id}, 0, '[1,2]', 2, 'accepted', ${now})`.execute(appDb.db);
      }
      expect((await migrator.migrateToLatest()).error).toBeUndefined();

      const sends = await sql<{ id: string; status: string; send_at: unknown }>`select id, status, send_at from sends order by id`.execute(appDb.db);
      expect(sends.rows).toEqual([
        { id: 's-run', status: 'sending', send_at: null },
        { id: 's-sent', status: 'sent', send_at: null },
      ]);
      expect((await sql<{ n: number | string }>`select count(*) as n from send_chunks`.execute(appDb.db)).rows[0]?.n).toEqual(2);
      await sql`insert into sends (id, member_id, sender_id, created_at, idempotency_key, request_hash, text, status, send_at, updated_at) values ('s-later', 'm4', 1, ${now}, 'k-later', 'h', 'Later', 'scheduled', ${now + 60_000}, ${now})`.execute(appDb.db);
      await expect(sql`update sends set status = 'bogus' where id = 's-later'`.execute(appDb.db)).rejects.toThrow();
      // Foreign keys still hold after the SQLite rebuild: deleting the portal removes its sends and their chunks.
      await sql`delete from portals where member_id = 'm4'`.execute(appDb.db);
      expect((await sql<{ n: number | string }>`select count(*) as n from send_chunks`.execute(appDb.db)).rows[0]?.n).toEqual(0);

      expect((await migrator.migrateTo('0003_portal_app_status')).error).toBeUndefined();
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
    });

    it('refuses a database that has applied a migration this code does not know', async () => {
      const { appDb } = getDb();
      await sql`insert into kysely_migration (name, timestamp) values ('9999_from_the_future', '2099-01-01T00:00:00.000Z')`.execute(appDb.db);
      try {
        await expect(migrateToLatest(appDb)).rejects.toBeInstanceOf(MigrationError);
      } finally {
        await sql`delete from kysely_migration where name = '9999_from_the_future'`.execute(appDb.db);
      }
    });
  },
  { migrate: false },
);

forEachDatabase(
  'concurrent migrations',
  (getDb) => {
    it('two processes migrating the same fresh schema at once: one applies, the other finds it done', async () => {
      const { url, appDb } = getDb();
      const results = await runContenders<{ pid: number; applied: string[] }>('migrateContender.ts', [{ DATABASE_URL: url }, { DATABASE_URL: url }, { DATABASE_URL: url }]);
      const applied = results.flatMap((result) => result.applied).sort();
      expect(applied).toEqual(ALL_MIGRATIONS);
      expect(results.filter((result) => result.applied.length > 0)).toHaveLength(1);
      expect(await appliedMigrations(appDb)).toEqual(ALL_MIGRATIONS);
      expect(await appTables(appDb)).toEqual(APP_TABLES);
    });
  },
  { migrate: false, only: ['postgres'] },
);

forEachDatabase(
  'concurrent migrations in one process',
  (getDb) => {
    it('several handles on one database migrating at once apply each migration exactly once', async () => {
      const { url, appDb, kind } = getDb();
      expect(kind).toBe('postgres');
      const handles = await Promise.all([openDatabase(url), openDatabase(url), openDatabase(url)]);
      try {
        const outcomes = await Promise.all([appDb, ...handles].map((handle) => migrateToLatest(handle)));
        expect(outcomes.flatMap((outcome) => outcome.applied).sort()).toEqual(ALL_MIGRATIONS);
        expect(await appliedMigrations(appDb)).toEqual(ALL_MIGRATIONS);
      } finally {
        await Promise.all(handles.map((handle) => handle.close()));
      }
    });
  },
  { migrate: false, only: ['postgres'] },
);

describe('PostgreSQL connection loss', () => {
  it.skipIf(!postgresProbe.ok)('a connection cut while its client is checked out fails that transaction, not the process; the pool goes on with a fresh connection', async () => {
    const applicationName = `b24push_cut_${process.pid}_${Date.now().toString(36)}`;
    const url = new URL(TEST_DATABASE_URL);
    url.searchParams.set('application_name', applicationName);
    const appDb = await openDatabase(url.toString());
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    admin.on('error', () => undefined);
    await admin.connect();
    try {
      const cut = appDb.db.transaction().execute(async (trx) => {
        await sql`select 1`.execute(trx);
        // Between two statements the client is checked out with no query running: the server's farewell
        // and the closed socket arrive as an 'error' event on the client itself.
        await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [applicationName]);
        await new Promise((resolve) => setTimeout(resolve, 300));
        await sql`select 1`.execute(trx);
      });
      await expect(cut).rejects.toSatisfy(isTransientDatabaseError);
      expect((await sql<{ one: number }>`select 1 as one`.execute(appDb.db)).rows).toEqual([{ one: 1 }]);
    } finally {
      await admin.end();
      await appDb.close();
    }
  });

  it('tells connection trouble (tried again elsewhere) from a statement’s own error', () => {
    const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
    expect(isTransientDatabaseError(withCode('terminating connection due to administrator command', '57P01'))).toBe(true);
    expect(isTransientDatabaseError(withCode('the database system is starting up', '57P03'))).toBe(true);
    expect(isTransientDatabaseError(withCode('connection failure', '08006'))).toBe(true);
    expect(isTransientDatabaseError(withCode('could not serialize access', '40001'))).toBe(true);
    expect(isTransientDatabaseError(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toBe(true);
    expect(isTransientDatabaseError(withCode('database is locked', 'SQLITE_BUSY'))).toBe(true);
    expect(isTransientDatabaseError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransientDatabaseError(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isTransientDatabaseError(withCode('duplicate key value violates unique constraint', '23505'))).toBe(false);
    expect(isTransientDatabaseError(withCode('relation "sends" does not exist', '42P01'))).toBe(false);
    expect(isTransientDatabaseError(new Error('driver has already been destroyed'))).toBe(false);
    expect(isTransientDatabaseError('Connection terminated')).toBe(false);
  });
});

describe('PostgreSQL schema isolation (test helper)', () => {
  let a: DisposableTestDatabase | undefined;
  let b: DisposableTestDatabase | undefined;
  afterAll(async () => {
    await a?.dispose();
    await b?.dispose();
  });

  it.skipIf(!postgresProbe.ok)('two test databases do not see each other (tables, migration bookkeeping), and a disposed schema is gone', async () => {
    a = await createTestDatabase('postgres');
    b = await createTestDatabase('postgres', { migrate: false });
    expect(await appTables(a.appDb)).toEqual(APP_TABLES);
    expect(await appTables(b.appDb)).toEqual([]);
    // Migrating b while a's schema already has Kysely's tables: b gets its own.
    expect((await migrateToLatest(b.appDb)).applied).toEqual(ALL_MIGRATIONS);
    expect(await appTables(b.appDb)).toEqual(APP_TABLES);
    const schema = new URL(a.url).searchParams.get('options')?.replace('-c search_path=', '');
    expect(schema).toMatch(/^b24test_/);
    await a.dispose();
    a = undefined;
    const probe = await openDatabase(TEST_DATABASE_URL);
    try {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_namespace where nspname = ${schema}`.execute(probe.db);
      expect(rows[0]?.n).toBe(0);
    } finally {
      await probe.close();
    }
  });
});
