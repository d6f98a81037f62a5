import { Redis } from 'ioredis';
import { CompiledQuery } from 'kysely';
import { RateLimiterPostgres, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { AppConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { AppDatabase } from '../storage/database.js';
import { RateLimiterClockedMemory } from './clockedMemoryLimiter.js';

/**
 * Where every limit of the app keeps its counts (decision 0014): rate-limiter-flexible's fixed windows,
 * in Redis when REDIS_URL is set, else in PostgreSQL when the app's database is (its own table, through
 * the app's pool), else in this process's memory (the embedded SQLite default is one process). A process
 * whose clock is injected (tests, the in-process stack) keeps its limits in memory on that clock: a
 * shared store keeps its own time.
 */

export type LimitStoreKind = 'memory' | 'postgres' | 'redis';

/**
 * What a limit does when its shared store cannot be reached: `local` carries on with this process's own
 * window (as every process did before the store was shared), `refuse` answers as if the limit were spent.
 */
export type WhenUnreachable = 'local' | 'refuse';

/** A fixed window: at most `points` takes per key in each window of `seconds` (whole seconds: Redis expires in seconds). */
export interface WindowSpec {
  points: number;
  seconds: number;
}

export type Take = { taken: true; giveBack(): Promise<void> } | { taken: false; retryInMs: number };

export interface WindowCounter {
  /** One point of `key`'s current window, or how long until the window ends. */
  take(key: string): Promise<Take>;
}

export interface LimitStore {
  readonly kind: LimitStoreKind;
  /** A counter named `name` (the same name in every process shares the counts). */
  counter(name: string, window: WindowSpec, whenUnreachable: WhenUnreachable): WindowCounter;
  /** Ends the store's own connection (Redis); the PostgreSQL pool is the app's and closes with it. */
  close(): Promise<void>;
}

/** How long a `refuse` limit asks callers to wait while its store is unreachable. */
export const UNREACHABLE_RETRY_MS = 5_000;
const KEY_PREFIX = 'b24push';
/** The table rate-limiter-flexible creates for itself in the app's PostgreSQL schema. */
export const POSTGRES_TABLE = 'b24push_rate_limits';
const REPORT_EVERY_MS = 30_000;

interface Limiter {
  consume(key: string): Promise<RateLimiterRes>;
  reward(key: string): Promise<unknown>;
}

export function createLimitStore(options: { config: Pick<AppConfig, 'redisUrl'>; database: AppDatabase; logger: Logger; now?: () => number }): LimitStore {
  if (options.now) return createMemoryLimitStore(options.now);
  if (options.config.redisUrl) return redisStore(options.config.redisUrl, options.logger);
  if (options.database.kind === 'postgres') return postgresStore(options.database, options.logger);
  return createMemoryLimitStore();
}

export function createMemoryLimitStore(now: () => number = Date.now): LimitStore {
  return {
    kind: 'memory',
    counter: (name, window) => counterOn(() => new RateLimiterClockedMemory(windowOptions(name, window), now), now, window, 'local', async () => undefined, () => undefined),
    close: async () => undefined,
  };
}

function windowOptions(name: string, window: WindowSpec) {
  if (!(window.points >= 1) || !Number.isInteger(window.seconds) || window.seconds < 1) throw new RangeError(`limit ${name} needs at least 1 point per whole number of seconds`);
  return { keyPrefix: `${KEY_PREFIX}:${name}`, points: window.points, duration: window.seconds };
}

/**
 * The shared counter of `shared()`, with this process's memory twin for `local` when the store fails.
 * `ready` resolves once the store can be used (the table exists, the connection is up); it may reject,
 * which counts as unreachable.
 */
function counterOn(
  shared: () => Limiter,
  now: () => number,
  window: WindowSpec,
  whenUnreachable: WhenUnreachable,
  ready: () => Promise<void>,
  unreachable: (error: unknown) => void,
): WindowCounter {
  const limiter = shared();
  let local: Limiter | undefined;
  const localTwin = () => (local ??= new RateLimiterClockedMemory({ keyPrefix: 'local', points: window.points, duration: window.seconds }, now));

  async function takeFrom(from: Limiter, key: string): Promise<Take> {
    try {
      const granted = await from.consume(key);
      const windowEndsAt = now() + granted.msBeforeNext;
      // A point given back after its window ended would be a bonus in the next one: only within it.
      return { taken: true, giveBack: () => (now() < windowEndsAt ? from.reward(key).then(() => undefined, unreachable) : Promise.resolve()) };
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      // The library counts a refused take too; undone, so that refusals cost nothing and a point given back is free again.
      if (error.msBeforeNext > 0) await from.reward(key).catch(unreachable);
      return { taken: false, retryInMs: Math.max(1, error.msBeforeNext) };
    }
  }

  return {
    async take(key) {
      try {
        await ready();
        return await takeFrom(limiter, key);
      } catch (error) {
        unreachable(error);
        return whenUnreachable === 'refuse' ? { taken: false, retryInMs: UNREACHABLE_RETRY_MS } : takeFrom(localTwin(), key);
      }
    },
  };
}

/** Logs a store failure at most every REPORT_EVERY_MS (an outage would otherwise log every request). */
function reporter(logger: Logger, kind: LimitStoreKind): (error: unknown) => void {
  let lastAt = 0;
  return (error) => {
    const at = Date.now();
    if (at - lastAt < REPORT_EVERY_MS) return;
    lastAt = at;
    logger.warn({ err: error, store: kind }, 'the rate limit store cannot be reached: limits fall back (pacing and API limits to this process, unverified openings and token checks are refused)');
  };
}

/**
 * The app's own pool, spoken to the way rate-limiter-flexible speaks to a `pg` client: through Kysely, so
 * the pool's settings (size, timeouts, schema, error handling) are the app's.
 */
function kyselyClient(database: AppDatabase) {
  return {
    async query(query: { text: string; values?: unknown[] }) {
      const result = await database.db.executeQuery(CompiledQuery.raw(query.text, query.values ?? []));
      return { rows: result.rows, rowCount: result.rows.length || Number(result.numAffectedRows ?? 0) };
    },
  };
}

function postgresStore(database: AppDatabase, logger: Logger): LimitStore {
  const client = kyselyClient(database);
  const unreachable = reporter(logger, 'postgres');
  let table: Promise<void> | null = null;
  // The library creates its table (CREATE TABLE IF NOT EXISTS) and sweeps expired rows every 5 minutes.
  const ready = () =>
    (table ??= new Promise<void>((resolve, reject) => {
      new RateLimiterPostgres({ storeClient: client, storeType: 'client', tableName: POSTGRES_TABLE, keyPrefix: KEY_PREFIX, points: 1, duration: 1 }, (error) => (error ? reject(error) : resolve()));
    }).catch((error: unknown) => {
      table = null;
      throw error;
    }));
  return {
    kind: 'postgres',
    counter: (name, window, whenUnreachable) =>
      counterOn(
        () => new RateLimiterPostgres({ ...windowOptions(name, window), storeClient: client, storeType: 'client', tableName: POSTGRES_TABLE, tableCreated: true, clearExpiredByTimeout: false }),
        Date.now,
        window,
        whenUnreachable,
        ready,
        unreachable,
      ),
    close: async () => undefined,
  };
}

function redisStore(url: string, logger: Logger): LimitStore {
  const unreachable = reporter(logger, 'redis');
  // Commands fail at once while the connection is down (no offline queue) and after 1 s when Redis does not answer.
  const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 1_000, connectTimeout: 2_000 });
  client.on('error', unreachable);
  let connected: Promise<void> | null = null;
  // The first takes wait up to 2 s for the first connection; later ones never wait for it.
  const ready = () =>
    (connected ??= new Promise<void>((resolve) => {
      if (client.status === 'ready') return resolve();
      const timer = setTimeout(resolve, 2_000);
      timer.unref();
      client.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    }));
  return {
    kind: 'redis',
    counter: (name, window, whenUnreachable) =>
      counterOn(() => new RateLimiterRedis({ ...windowOptions(name, window), storeClient: client, rejectIfRedisNotReady: true }), Date.now, window, whenUnreachable, ready, unreachable),
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
