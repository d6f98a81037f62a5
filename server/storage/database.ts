import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Dialect } from 'kysely';
import type { Logger } from '../logger.js';
import type { DatabaseSchema } from './schema.js';
import { migrationProvider } from './migrations/index.js';
import { boundedPool } from './boundedPool.js';

export { isDatabaseUnavailable, isTransientDatabaseError } from './databaseErrors.js';

/**
 * Opening the database and migrating it.
 *
 * `DATABASE_URL` forms:
 * - `sqlite:<path>`: a file, relative to the working directory (its folder is created);
 * - `sqlite::memory:`: a private in-memory database (tests);
 * - `postgres://user:password@host:port/db` or `postgresql://…`: a PostgreSQL pool.
 *
 * PostgreSQL schema: the standard libpq `options` parameter, e.g.
 * `postgres://postgres@127.0.0.1:5432/test?options=-c%20search_path%3Dmy_schema` makes every
 * connection use `my_schema` (which must exist); the tables and Kysely's migration tables live there.
 * The tests isolate each suite that way (see test/support/databases.ts). Without it, PostgreSQL's
 * default search path applies (`public`).
 */

export type DatabaseKind = 'sqlite' | 'postgres';

export interface AppDatabase {
  readonly db: Kysely<DatabaseSchema>;
  readonly kind: DatabaseKind;
  /** The logger given to openDatabase, if any (migrateToLatest reports through it). */
  readonly logger?: Logger;
  /**
   * What this database has done, counted (tests and benchmarks hold the numbers per request): every
   * statement executed, and the round trips a request waits for (see `wrap`).
   */
  readonly statements: { readonly executed: number; readonly roundTrips: number };
  /** PostgreSQL's connection pool, for the metrics (server/metrics/); null on SQLite (one connection, no pool). */
  readonly pool: PoolWaits | null;
  close(): Promise<void>;
}

export interface PoolWaits {
  /** Queries waiting for a pooled connection right now. */
  readonly waiting: number;
  /** Told how long (seconds) each query waited for its connection (including opening a new one). */
  poolWait?: (seconds: number) => void;
}

export interface OpenDatabaseOptions {
  logger?: Logger;
  /** PostgreSQL pool size (default 10, at least 2). */
  poolSize?: number;
  /** SQLite: how long a write waits for a lock held by another connection (default 5000 ms). */
  busyTimeoutMs?: number;
  /** PostgreSQL: how long a connection may take to open, and a query to wait for a pooled one (default POSTGRES_TIMEOUTS). */
  connectionTimeoutMs?: number;
  /** PostgreSQL: how long a statement waits for its answer before its connection is dropped (default POSTGRES_TIMEOUTS). */
  queryTimeoutMs?: number;
  /** PostgreSQL: how long a statement waiting for an advisory lock waits for its answer (default POSTGRES_TIMEOUTS). */
  lockWaitTimeoutMs?: number;
  /** PostgreSQL's own `statement_timeout` for every session (default POSTGRES_TIMEOUTS). */
  statementTimeoutMs?: number;
  /** PostgreSQL's own `idle_in_transaction_session_timeout` for every session (default POSTGRES_TIMEOUTS). */
  idleInTransactionTimeoutMs?: number;
  /** Delay before the first TCP keepalive probe of an idle connection (default POSTGRES_TIMEOUTS). */
  keepAliveDelayMs?: number;
}

/**
 * How long PostgreSQL may keep the app waiting (issue 18: a partition must not hang requests for the
 * kernel's ~15 minutes). The app's statements take milliseconds; the bounds are for a database that
 * is gone or stuck:
 * - `statementTimeoutMs` 5 s: the server cancels a statement that runs longer (SQLSTATE 57014), so a
 *   slow but alive server answers with an error and its connection stays usable;
 * - `queryTimeoutMs` 7 s: the app stops waiting for an answer 2 s after the server would have given
 *   up; no answer by then means the connection is dead, and it is dropped (server/storage/boundedPool.ts);
 * - `lockWaitTimeoutMs` 45 s for the advisory lock statements, which wait by design (the token lock
 *   waits up to 30 s, raising statement_timeout for its transaction; migrations run without bounds);
 * - `connectionTimeoutMs` 5 s to open a connection or get a pooled one;
 * - `idleInTransactionTimeoutMs` 60 s: the server ends a session left in a transaction (holding its
 *   locks) by a client that vanished; the longest the app idles in one is the token refresh (≤ 15 s);
 * - `keepAliveDelayMs` 10 s: TCP keepalive on, first probe after 10 s of silence (Node then probes
 *   every second, 10 times), so a dead idle connection is found in ~20 s instead of 2 hours.
 */
export const POSTGRES_TIMEOUTS = {
  connectionTimeoutMs: 5_000,
  queryTimeoutMs: 7_000,
  lockWaitTimeoutMs: 45_000,
  statementTimeoutMs: 5_000,
  idleInTransactionTimeoutMs: 60_000,
  keepAliveDelayMs: 10_000,
} as const;

export class DatabaseUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUrlError';
  }
}

const PG_INT8_OID = 20;

export async function openDatabase(url: string, opts: OpenDatabaseOptions = {}): Promise<AppDatabase> {
  const trimmed = url.trim();
  if (trimmed.startsWith('sqlite:')) return openSqlite(trimmed.slice('sqlite:'.length), opts);
  if (/^postgres(ql)?:\/\//i.test(trimmed)) return openPostgres(trimmed, opts);
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(trimmed)?.[0] ?? '(none)';
  throw new DatabaseUrlError(
    `DATABASE_URL must be sqlite:<path>, sqlite::memory: or postgres://user@host:port/db; its scheme is ${scheme}`,
  );
}

function openSqlite(location: string, opts: OpenDatabaseOptions): AppDatabase {
  if (location === '') throw new DatabaseUrlError('DATABASE_URL sqlite: needs a path, e.g. sqlite:./data/app.sqlite or sqlite::memory:');
  const inMemory = location === ':memory:';
  const file = inMemory ? ':memory:' : path.resolve(process.cwd(), location);
  if (!inMemory) mkdirSync(path.dirname(file), { recursive: true });

  const connection = new BetterSqlite3(file);
  try {
    if (!inMemory) connection.pragma('journal_mode = WAL');
    connection.pragma('foreign_keys = ON');
    connection.pragma(`busy_timeout = ${Math.max(0, Math.trunc(opts.busyTimeoutMs ?? 5000))}`);
    connection.pragma('synchronous = NORMAL');
  } catch (error) {
    connection.close();
    throw error;
  }
  return wrap(new SqliteDialect({ database: connection }), 'sqlite', opts, { file: inMemory ? ':memory:' : file });
}

/** Where a PostgreSQL URL points, without credentials (for logs and errors). */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

async function openPostgres(url: string, opts: OpenDatabaseOptions): Promise<AppDatabase> {
  const timeouts = { ...POSTGRES_TIMEOUTS, ...definedOnly(opts) };
  const connection: pg.PoolConfig = {
    connectionString: url,
    // At least 2: migrateToLatest holds one connection for its lock while the migrator uses another.
    max: Math.max(2, opts.poolSize ?? 10),
    application_name: 'team-push',
    connectionTimeoutMillis: timeouts.connectionTimeoutMs,
    idleTimeoutMillis: 10_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: timeouts.keepAliveDelayMs,
    // Epoch milliseconds are int8: read them as JS numbers (exact up to 2^53), not strings.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === PG_INT8_OID && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
    },
  };
  const pool = new pg.Pool({
    ...connection,
    statement_timeout: timeouts.statementTimeoutMs,
    idle_in_transaction_session_timeout: timeouts.idleInTransactionTimeoutMs,
  });
  survivingLostConnections(pool, opts.logger);
  try {
    const client = await pool.connect();
    try {
      await client.query({ text: 'select 1', query_timeout: timeouts.queryTimeoutMs } as pg.QueryConfig);
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot connect to PostgreSQL at ${describePostgresUrl(url)} (DATABASE_URL): ${reason}`, { cause: error });
  }
  const waits: PoolWaits = {
    get waiting() {
      return pool.waitingCount;
    },
  };
  // Kysely takes every connection through connect(): the wait for one is measured there.
  const dialect = new PostgresDialect({ pool: boundedPool(pool, timeouts, (seconds) => waits.poolWait?.(seconds)) });
  // Kysely ends the pool only if it ever used it: a database opened and closed unused (migrations run on
  // a pool of their own) would keep its first connection, and the process, alive until the idle timeout.
  const endUnused = async () => {
    if (!pool.ended) await pool.end();
  };
  const appDb = wrap(dialect, 'postgres', opts, { at: describePostgresUrl(url) }, waits, endUnused);
  // Migrations may run long (a new index on a large table) and wait for another process's: they get a
  // pool of their own without the statement bounds.
  maintenancePools.set(appDb, () => {
    const maintenance = new pg.Pool({ ...connection, max: 2 });
    survivingLostConnections(maintenance, opts.logger);
    return new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool: maintenance }) });
  });
  return appDb;
}

/**
 * A connection can die at any time (failover, restart, pg_terminate_backend, a network blip). pg emits
 * 'error' on its client then, and an 'error' nobody listens to ends the process. The pool listens only
 * while a client is idle; every client gets a listener of its own for the time it is checked out. The
 * query on it fails (the caller retries or gives up cleanly) and the pool drops the client.
 */
function survivingLostConnections(pool: pg.Pool, logger: Logger | undefined): void {
  pool.on('connect', (client) => {
    client.on('error', (error) => {
      logger?.warn({ err: connectionErrorFields(error) }, 'PostgreSQL connection lost');
    });
  });
  // The pool re-emits an idle client's error on itself (already logged by the client's own listener).
  pool.on('error', () => undefined);
}

/** The options that were given (an explicit `undefined` keeps the default). */
function definedOnly(opts: OpenDatabaseOptions): Partial<Record<keyof typeof POSTGRES_TIMEOUTS, number>> {
  return Object.fromEntries(Object.keys(POSTGRES_TIMEOUTS).flatMap((key) => {
    const value = opts[key as keyof typeof POSTGRES_TIMEOUTS];
    return value === undefined ? [] : [[key, value]];
  }));
}

/** For migrateToLatest: a PostgreSQL database's pool without the statement bounds, opened on demand. */
const maintenancePools = new WeakMap<AppDatabase, () => Kysely<DatabaseSchema>>();

/** The opened database: Kysely over the dialect, counting the statements it executes. */
function wrap(
  dialect: Dialect,
  kind: DatabaseKind,
  opts: OpenDatabaseOptions,
  where: Record<string, string>,
  pool: PoolWaits | null = null,
  afterDestroy: () => Promise<void> = async () => undefined,
): AppDatabase {
  const statements = { executed: 0, roundTrips: 0 };
  // SQLite runs in this process on one connection under a mutex: a transaction's statements run back to
  // back with nothing else in between, so a transaction is one round trip there. On PostgreSQL every
  // statement (BEGIN and COMMIT too) is one.
  let inSqliteTransaction = false;
  const db = new Kysely<DatabaseSchema>({
    dialect,
    log: (event) => {
      statements.executed += 1;
      if (kind === 'postgres') {
        statements.roundTrips += 1;
        return;
      }
      const verb = /^\s*(\w+)/.exec(event.query.sql)?.[1]?.toLowerCase();
      if (verb === 'begin') {
        inSqliteTransaction = true;
        statements.roundTrips += 1;
      } else if (verb === 'commit' || verb === 'rollback') {
        inSqliteTransaction = false;
      } else if (!inSqliteTransaction) {
        statements.roundTrips += 1;
      }
    },
  });
  opts.logger?.info({ database: kind, ...where }, 'database opened');
  let closed = false;
  return {
    db,
    kind,
    statements,
    pool,
    ...(opts.logger ? { logger: opts.logger } : {}),
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy(); // closes the SQLite connection or ends the pool
      await afterDestroy();
    },
  };
}

/** What is logged of a connection error: message and code, never the connection's parameters. */
function connectionErrorFields(error: Error): { message: string; code?: string } {
  const code = (error as { code?: unknown }).code;
  return { message: error.message, ...(typeof code === 'string' ? { code } : {}) };
}

/**
 * A 64-bit PostgreSQL advisory lock key for the given parts (first 8 bytes of their SHA-256, signed),
 * as a decimal string to pass as `${key}::bigint`. Collisions only make two unrelated holders wait
 * for each other.
 */
export function advisoryLockKey(...parts: string[]): string {
  const digest = createHash('sha256').update(parts.join('\0')).digest();
  return digest.readBigInt64BE(0).toString();
}

export interface MigrationOutcome {
  /** Names of the migrations this call applied (empty when the database was up to date). */
  applied: string[];
}

export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

/**
 * Brings the schema to the latest migration. Called at every start; safe to repeat.
 *
 * Several processes starting at once on one PostgreSQL: each first takes a session-level advisory
 * lock keyed by the current schema (on a dedicated connection), so exactly one migrates while the
 * others wait and then find nothing to do. Kysely's migrator adds its own (database-wide) advisory
 * lock around the migrations themselves, but creates its bookkeeping tables before taking it, which
 * only its catch-and-recheck protects; the outer lock makes the whole sequence serial.
 * On SQLite (one process by design) Kysely's lock table is enough.
 *
 * On PostgreSQL the migrations run on a pool of their own, opened for them and closed after, without the
 * statement bounds of POSTGRES_TIMEOUTS: a migration may take long, and so may the wait for another
 * process's.
 */
export async function migrateToLatest(appDb: AppDatabase, opts: { logger?: Logger } = {}): Promise<MigrationOutcome> {
  const logger = opts.logger ?? appDb.logger;
  let outcome: MigrationOutcome;
  if (appDb.kind === 'postgres') {
    const maintenance = maintenancePools.get(appDb)?.();
    try {
      outcome = await migratePostgres(maintenance ?? appDb.db);
    } finally {
      await maintenance?.destroy();
    }
  } else {
    outcome = await runMigrator(appDb.db, undefined);
  }
  if (outcome.applied.length > 0) logger?.info({ applied: outcome.applied }, 'database migrated');
  return outcome;
}

function migratePostgres(db: Kysely<DatabaseSchema>): Promise<MigrationOutcome> {
  return db.connection().execute(async (connection) => {
    const row = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(connection);
    const schema = row.rows[0]?.schema ?? null;
    if (!schema) {
      throw new MigrationError('PostgreSQL has no current schema: the schema named by search_path (DATABASE_URL options=-c search_path=...) does not exist');
    }
    const key = advisoryLockKey('b24-push:migrations', schema);
    await sql`select pg_advisory_lock(${key}::bigint)`.execute(connection);
    try {
      return await runMigrator(db, schema);
    } finally {
      await sql`select pg_advisory_unlock(${key}::bigint)`.execute(connection);
    }
  });
}

async function runMigrator(db: Kysely<DatabaseSchema>, schema: string | undefined): Promise<MigrationOutcome> {
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    // On PostgreSQL, name the schema: Kysely's "does the table exist" check otherwise looks at every
    // schema of the database and would be fooled by another schema's migration table.
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    throw new MigrationError(failed ? `Migration ${failed} failed: ${reason}` : `Migrating the database failed: ${reason}`, { cause: error });
  }
  return { applied: (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName) };
}
