import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { describePostgresUrl, migrateToLatest, openDatabase, type AppDatabase, type DatabaseKind } from '../../server/storage/database.js';

/**
 * Test helper: the databases every storage suite runs against.
 *
 * - SQLite: a file in a fresh temporary folder (WAL mode, like production), deleted afterwards.
 * - PostgreSQL at `TEST_DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/test): each suite
 *   gets a fresh schema `b24test_<time>_<pid>_<random>`, created before and dropped (CASCADE) after.
 *   Isolation is the libpq `options` parameter: the suite's URL is TEST_DATABASE_URL plus
 *   `?options=-c search_path=<schema>`, so every connection (also from child processes given that
 *   URL) sees only that schema. Schemas left by a killed run are dropped after a day.
 *
 * PostgreSQL unreachable: with `CI` set, collecting a suite throws (the file fails); otherwise the
 * PostgreSQL variant is skipped (`describe.skip`, so each test shows as skipped) after a loud warning
 * naming the suite.
 *
 * Usage:
 *
 *     forEachDatabase('portal store', (getDb) => {
 *       it('...', async () => { const { appDb, kind, url } = getDb(); ... });
 *     });
 */

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  readonly kind: DatabaseKind;
  /** DATABASE_URL of this database (for child processes). */
  readonly url: string;
  readonly appDb: AppDatabase;
}

export interface DisposableTestDatabase extends TestDatabase {
  /** Closes the database and deletes it (file or schema). */
  dispose(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** Run migrateToLatest before the tests (default true). */
  migrate?: boolean;
}

export interface ForEachDatabaseOptions extends TestDatabaseOptions {
  /** Restrict to some kinds (default both), e.g. ['postgres'] for multi-process tests. */
  only?: readonly DatabaseKind[];
}

const SCHEMA_PREFIX = 'b24test_';
const STALE_SCHEMA_MS = 24 * 60 * 60 * 1000;

export type PostgresProbe = { ok: true } | { ok: false; reason: string };

export async function probePostgres(url: string = TEST_DATABASE_URL): Promise<PostgresProbe> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message || error.name : String(error) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Probed once per test file, when the file is collected. */
export const postgresProbe: PostgresProbe = await probePostgres();

export async function createSqliteTestDatabase(options: TestDatabaseOptions = {}): Promise<DisposableTestDatabase> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'team-push-test-'));
  const url = `sqlite:${path.join(folder, 'app.sqlite')}`;
  const appDb = await openDatabase(url);
  try {
    if (options.migrate ?? true) await migrateToLatest(appDb);
  } catch (error) {
    await appDb.close();
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
  return {
    kind: 'sqlite',
    url,
    appDb,
    async dispose() {
      await appDb.close();
      await rm(folder, { recursive: true, force: true });
    },
  };
}

async function withAdminClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

let staleSchemasSwept = false;

async function dropStaleSchemas(client: pg.Client): Promise<void> {
  if (staleSchemasSwept) return;
  staleSchemasSwept = true;
  const { rows } = await client.query<{ nspname: string }>(`select nspname from pg_namespace where nspname like 'b24test\\_%'`);
  for (const { nspname } of rows) {
    const createdAt = Number.parseInt(nspname.slice(SCHEMA_PREFIX.length).split('_')[0] ?? '', 36);
    if (Number.isFinite(createdAt) && Date.now() - createdAt > STALE_SCHEMA_MS) {
      await client.query(`drop schema if exists ${pg.escapeIdentifier(nspname)} cascade`).catch(() => undefined);
    }
  }
}

/** The URL of TEST_DATABASE_URL's database restricted to `schema` (libpq `options` parameter). */
export function postgresUrlForSchema(schema: string, base: string = TEST_DATABASE_URL): string {
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

export async function createPostgresTestDatabase(options: TestDatabaseOptions = {}): Promise<DisposableTestDatabase> {
  const schema = `${SCHEMA_PREFIX}${Date.now().toString(36)}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdminClient(async (client) => {
    await dropStaleSchemas(client);
    await client.query(`create schema ${pg.escapeIdentifier(schema)}`);
  });
  const dropSchema = () => withAdminClient((client) => client.query(`drop schema if exists ${pg.escapeIdentifier(schema)} cascade`));
  const url = postgresUrlForSchema(schema);
  let appDb: AppDatabase;
  try {
    appDb = await openDatabase(url);
  } catch (error) {
    await dropSchema();
    throw error;
  }
  try {
    if (options.migrate ?? true) await migrateToLatest(appDb);
  } catch (error) {
    await appDb.close();
    await dropSchema();
    throw error;
  }
  return {
    kind: 'postgres',
    url,
    appDb,
    async dispose() {
      await appDb.close();
      await dropSchema();
    },
  };
}

export function createTestDatabase(kind: DatabaseKind, options: TestDatabaseOptions = {}): Promise<DisposableTestDatabase> {
  return kind === 'sqlite' ? createSqliteTestDatabase(options) : createPostgresTestDatabase(options);
}

function warnSkipped(suite: string, reason: string): void {
  const line = '!'.repeat(100);
  console.warn(
    [
      line,
      `!!! PostgreSQL at ${describePostgresUrl(TEST_DATABASE_URL)} is unreachable: SKIPPING the PostgreSQL variant of "${suite}"`,
      `!!! reason: ${reason}`,
      '!!! Start PostgreSQL or set TEST_DATABASE_URL. In CI (CI set) this is a failure, not a skip.',
      line,
    ].join('\n'),
  );
}

/**
 * Declares `body` once per database kind, each in its own `describe` (`<name> [sqlite]`,
 * `<name> [postgres]`) with a database opened (and migrated) before its tests and deleted after them.
 * `getDb()` returns it inside tests and hooks.
 */
export function forEachDatabase(name: string, body: (getDb: () => TestDatabase) => void, options: ForEachDatabaseOptions = {}): void {
  const kinds = options.only ?? (['sqlite', 'postgres'] as const);
  for (const kind of kinds) {
    const suite = `${name} [${kind}]`;
    let current: DisposableTestDatabase | undefined;
    const getDb = (): TestDatabase => {
      if (!current) throw new Error(`${suite}: the test database is not open (getDb() works only inside tests and hooks)`);
      return current;
    };
    const declare = () => {
      beforeAll(async () => {
        current = await createTestDatabase(kind, options);
      });
      afterAll(async () => {
        await current?.dispose();
        current = undefined;
      });
      body(getDb);
    };

    if (kind === 'postgres' && !postgresProbe.ok) {
      if (process.env.CI) {
        throw new Error(
          `PostgreSQL at ${describePostgresUrl(TEST_DATABASE_URL)} is unreachable (${postgresProbe.reason}); CI requires it for "${suite}". Set TEST_DATABASE_URL or start PostgreSQL.`,
        );
      }
      warnSkipped(suite, postgresProbe.reason);
      describe.skip(suite, declare);
      continue;
    }
    describe(suite, declare);
  }
}
