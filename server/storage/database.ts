import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Dialect } from 'kysely';
import type { Logger } from '../logger.js';
import type { DatabaseSchema } from './schema.js';
import { migrationProvider } from './migrations/index.js';

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
}

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
  const pool = new pg.Pool({
    connectionString: url,
    // At least 2: migrateToLatest holds one connection for its lock while the migrator uses another.
    max: Math.max(2, opts.poolSize ?? 10),
    application_name: 'b24-push',
    connectionTimeoutMillis: 10_000,
    // Epoch milliseconds are int8: read them as JS numbers (exact up to 2^53), not strings.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === PG_INT8_OID && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // A connection can die at any time (failover, restart, pg_terminate_backend, a network blip). pg emits
  // 'error' on its client then, and an 'error' nobody listens to ends the process. The pool listens only
  // while a client is idle; every client gets a listener of its own for the time it is checked out. The
  // query on it fails (the caller retries or gives up cleanly) and the pool drops the client.
  pool.on('connect', (client) => {
    client.on('error', (error) => {
      opts.logger?.warn({ err: connectionErrorFields(error) }, 'PostgreSQL connection lost');
    });
  });
  // The pool re-emits an idle client's error on itself (already logged by the client's own listener).
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    try {
      await client.query('select 1');
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
  const timedPool = {
    async connect() {
      const asked = performance.now();
      const client = await pool.connect();
      waits.poolWait?.((performance.now() - asked) / 1000);
      return client;
    },
    end: () => pool.end(),
  };
  return wrap(new PostgresDialect({ pool: timedPool }), 'postgres', opts, { at: describePostgresUrl(url) }, waits);
}

/** The opened database: Kysely over the dialect, counting the statements it executes. */
function wrap(dialect: Dialect, kind: DatabaseKind, opts: OpenDatabaseOptions, where: Record<string, string>, pool: PoolWaits | null = null): AppDatabase {
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
    },
  };
}

/** What is logged of a connection error: message and code, never the connection's parameters. */
function connectionErrorFields(error: Error): { message: string; code?: string } {
  const code = (error as { code?: unknown }).code;
  return { message: error.message, ...(typeof code === 'string' ? { code } : {}) };
}

/** SQLSTATEs after which the same statement may well succeed on another connection, or a moment later. */
const TRANSIENT_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '40001', '40P01']);
const TRANSIENT_NODE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'SQLITE_BUSY', 'SQLITE_LOCKED']);
const TRANSIENT_MESSAGES = /Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect|Connection terminated due to connection timeout/i;

/**
 * Whether a database error is about the connection (lost, refused, timed out, shut down by the server)
 * or a conflict that retrying resolves (serialization failure, deadlock, SQLite busy), rather than about
 * the statement: such a statement may be tried again on a fresh connection.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (TRANSIENT_SQLSTATES.has(code) || code.startsWith('08') || TRANSIENT_NODE_CODES.has(code))) return true;
  return TRANSIENT_MESSAGES.test(error.message);
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
 */
export async function migrateToLatest(appDb: AppDatabase, opts: { logger?: Logger } = {}): Promise<MigrationOutcome> {
  const logger = opts.logger ?? appDb.logger;
  const outcome =
    appDb.kind === 'postgres'
      ? await appDb.db.connection().execute(async (connection) => {
          const row = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(connection);
          const schema = row.rows[0]?.schema ?? null;
          if (!schema) {
            throw new MigrationError(
              'PostgreSQL has no current schema: the schema named by search_path (DATABASE_URL options=-c search_path=...) does not exist',
            );
          }
          const key = advisoryLockKey('b24-push:migrations', schema);
          await sql`select pg_advisory_lock(${key}::bigint)`.execute(connection);
          try {
            return await runMigrator(appDb, schema);
          } finally {
            await sql`select pg_advisory_unlock(${key}::bigint)`.execute(connection);
          }
        })
      : await runMigrator(appDb, undefined);
  if (outcome.applied.length > 0) logger?.info({ applied: outcome.applied }, 'database migrated');
  return outcome;
}

async function runMigrator(appDb: AppDatabase, schema: string | undefined): Promise<MigrationOutcome> {
  const migrator = new Migrator({
    db: appDb.db,
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
