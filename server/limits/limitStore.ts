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
  /**
   * A counter named `name` (the same name in every process shares the counts). While the shared store
   * cannot be reached it counts in this process's own window, without waiting for the store: a store
   * outage must neither stop sends nor refuse every new sign-in and install (decision 0014, issue 18).
   */
  counter(name: string, window: WindowSpec): WindowCounter;
  /**
   * Whether the shared store answers now (GET /readyz). Redis: connected and answering a PING within
   * the command timeout; memory: always; PostgreSQL: always (the readiness probe asks the database itself).
   */
  reachable(): Promise<boolean>;
  /** Ends the store's own connection (Redis); the PostgreSQL pool is the app's and closes with it. */
  close(): Promise<void>;
}

/**
 * How long Redis may keep a limit waiting (issue 18: an outage stalled every sign-in 2–4 s). Redis
 * answers in well under a millisecond on a LAN; the bounds are for a Redis that is gone:
 * - `commandTimeoutMs` 1 s: a command unanswered that long fails, and its connection is dropped
 *   (ioredis `socketTimeout`) and opened again in the background; until it is ready again every take
 *   counts in this process without waiting, so only the takes of that first second wait;
 * - `connectTimeoutMs` 2 s to open a connection (and the longest the first takes after start wait for it);
 * - `reconnectMaxDelayMs` 2 s between reconnection attempts at most (100 ms, 200 ms, … then every 2 s),
 *   so the shared store is used again within about 2 s of its return;
 * - `keepAliveDelayMs` 10 s: TCP keepalive finds a dead idle connection in ~20 s.
 */
export const REDIS_TIMEOUTS = {
  commandTimeoutMs: 1_000,
  connectTimeoutMs: 2_000,
  reconnectMaxDelayMs: 2_000,
  keepAliveDelayMs: 10_000,
};
export type RedisTimeouts = typeof REDIS_TIMEOUTS;

const KEY_PREFIX = 'b24push';
/** The table rate-limiter-flexible creates for itself in the app's PostgreSQL schema. */
export const POSTGRES_TABLE = 'b24push_rate_limits';
const REPORT_EVERY_MS = 30_000;

interface Limiter {
  consume(key: string): Promise<RateLimiterRes>;
  reward(key: string): Promise<unknown>;
}

export function createLimitStore(options: {
  config: Pick<AppConfig, 'redisUrl'>;
  database: AppDatabase;
  logger: Logger;
  now?: () => number;
  /** Redis's bounds (default REDIS_TIMEOUTS; tests shorten them). */
  redis?: Partial<RedisTimeouts>;
}): LimitStore {
  if (options.now) return createMemoryLimitStore(options.now);
  if (options.config.redisUrl) return redisStore(options.config.redisUrl, options.logger, { ...REDIS_TIMEOUTS, ...options.redis });
  if (options.database.kind === 'postgres') return postgresStore(options.database, options.logger);
  return createMemoryLimitStore();
}

export function createMemoryLimitStore(now: () => number = Date.now): LimitStore {
  return {
    kind: 'memory',
    counter: (name, window) => counterOn(() => new RateLimiterClockedMemory(windowOptions(name, window), now), now, window, { ready: async () => undefined, usable: () => true, unreachable: () => undefined }),
    reachable: async () => true,
    close: async () => undefined,
  };
}

function windowOptions(name: string, window: WindowSpec) {
  if (!(window.points >= 1) || !Number.isInteger(window.seconds) || window.seconds < 1) throw new RangeError(`limit ${name} needs at least 1 point per whole number of seconds`);
  return { keyPrefix: `${KEY_PREFIX}:${name}`, points: window.points, duration: window.seconds };
}

/** How a counter knows its store's state. */
interface StoreHealth {
  /** Resolves once the store can be used (the table exists, the first connection is up); a rejection counts as unreachable. */
  ready: () => Promise<void>;
  /** False while the store is known to be down: the counter does not wait for it then. */
  usable: () => boolean;
  /** Told of every failure of the store. */
  unreachable: (error: unknown) => void;
}

class StoreDownError extends Error {
  constructor() {
    super('the limit store is not connected');
    this.name = 'StoreDownError';
  }
}

/** The shared counter of `shared()`, with this process's memory twin for when the store fails or is known to be down. */
function counterOn(shared: () => Limiter, now: () => number, window: WindowSpec, health: StoreHealth): WindowCounter {
  const limiter = shared();
  let local: Limiter | undefined;
  const localTwin = () => (local ??= new RateLimiterClockedMemory({ keyPrefix: 'local', points: window.points, duration: window.seconds }, now));
  const always = () => true;

  async function takeFrom(from: Limiter, key: string, usable: () => boolean): Promise<Take> {
    // A point given back to a store that went down meanwhile is lost: nobody waits for it.
    const giveBack = (): Promise<void> => (usable() ? from.reward(key).then(() => undefined, health.unreachable) : Promise.resolve());
    try {
      const granted = await from.consume(key);
      const windowEndsAt = now() + granted.msBeforeNext;
      // A point given back after its window ended would be a bonus in the next one: only within it.
      return { taken: true, giveBack: () => (now() < windowEndsAt ? giveBack() : Promise.resolve()) };
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      // The library counts a refused take too; undone, so that refusals cost nothing and a point given back is free again.
      if (error.msBeforeNext > 0) await giveBack();
      return { taken: false, retryInMs: Math.max(1, error.msBeforeNext) };
    }
  }

  return {
    async take(key) {
      try {
        await health.ready();
        if (!health.usable()) throw new StoreDownError();
        return await takeFrom(limiter, key, health.usable);
      } catch (error) {
        health.unreachable(error);
        return takeFrom(localTwin(), key, always);
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
    logger.warn({ err: error, store: kind }, 'the rate limit store cannot be reached: every limit counts in this process alone until it is back');
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
    // A database that does not answer is bounded by the pool's own timeouts (database.ts), and then the request fails anyway.
    counter: (name, window) =>
      counterOn(
        () => new RateLimiterPostgres({ ...windowOptions(name, window), storeClient: client, storeType: 'client', tableName: POSTGRES_TABLE, tableCreated: true, clearExpiredByTimeout: false }),
        Date.now,
        window,
        { ready, usable: () => true, unreachable },
      ),
    reachable: async () => true,
    close: async () => undefined,
  };
}

function redisStore(url: string, logger: Logger, timeouts: RedisTimeouts): LimitStore {
  const unreachable = reporter(logger, 'redis');
  const client = new Redis(url, {
    // Commands fail at once while the connection is down (no offline queue, no resending after a reconnect)…
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // …and after commandTimeoutMs when Redis does not answer; the connection is then dropped and opened again.
    commandTimeout: timeouts.commandTimeoutMs,
    socketTimeout: timeouts.commandTimeoutMs,
    connectTimeout: timeouts.connectTimeoutMs,
    keepAlive: timeouts.keepAliveDelayMs,
    retryStrategy: (attempt) => Math.min(attempt * 100, timeouts.reconnectMaxDelayMs),
  });
  let failing = false;
  client.on('error', (error) => {
    failing = true;
    unreachable(error);
  });
  client.on('ready', () => {
    if (failing) logger.info({ store: 'redis' }, 'the rate limit store is reachable again: limits are shared again');
    failing = false;
  });
  const usable = () => client.status === 'ready';
  let connected: Promise<void> | null = null;
  // The first takes wait for the first connection (at most connectTimeoutMs); later ones never wait for one.
  const ready = () =>
    (connected ??= new Promise<void>((resolve) => {
      if (client.status === 'ready') return resolve();
      const timer = setTimeout(resolve, timeouts.connectTimeoutMs);
      timer.unref();
      client.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    }));
  return {
    kind: 'redis',
    counter: (name, window) =>
      counterOn(() => new RateLimiterRedis({ ...windowOptions(name, window), storeClient: client, rejectIfRedisNotReady: true }), Date.now, window, { ready, usable, unreachable }),
    async reachable() {
      if (!usable()) return false;
      return client.ping().then(
        () => true,
        () => false,
      );
    },
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
