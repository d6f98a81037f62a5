import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { openDatabase, type AppDatabase } from '../storage/database.js';
import { forEachDatabase } from '../../test/support/databases.js';
import { describeWithRedis, TEST_REDIS_URL } from '../../test/support/redis.js';
import { createAllowance, refusingWindows } from './allowance.js';
import { createLimitStore, createMemoryLimitStore, type LimitStore, type Take } from './limitStore.js';

/**
 * The limit stores: which one the configuration picks, and that two stores on the same PostgreSQL or
 * Redis (two processes of the app) count together. Windows here last a minute, so nothing ends
 * during a test (PostgreSQL and Redis keep real time).
 */

const logger = createLogger({ level: 'silent' });
const WINDOW = { points: 5, seconds: 60 };
const taken = (takes: Take[]) => takes.filter((take) => take.taken).length;

/** Two stores as two processes would hold them, and how to take from both in turn. */
function sharedCounting(stores: () => [LimitStore, LimitStore]) {
  it('two stores (two processes) share one window per key: five takes in all, then both refuse until it ends', async () => {
    const [first, second] = stores();
    const name = `test-${randomUUID()}`;
    const counters = [first.counter(name, WINDOW), second.counter(name, WINDOW)];
    const takes: Take[] = [];
    for (let i = 0; i < 8; i += 1) takes.push(await counters[i % 2]!.take('portal-a'));
    expect(taken(takes)).toBe(5);
    const refused = takes.at(-1)!;
    expect(refused.taken).toBe(false);
    expect(!refused.taken && refused.retryInMs > 0 && refused.retryInMs <= 60_000).toBe(true);
    // Another key has its own window.
    expect((await counters[1]!.take('portal-b')).taken).toBe(true);
  });

  it('a point given back in its window can be taken again, by the other process too', async () => {
    const [first, second] = stores();
    const name = `test-${randomUUID()}`;
    const mine = first.counter(name, WINDOW);
    const theirs = second.counter(name, WINDOW);
    const takes: Take[] = [];
    for (let i = 0; i < 5; i += 1) takes.push(await mine.take('address'));
    expect((await theirs.take('address')).taken).toBe(false);
    const last = takes.at(-1)!;
    if (last.taken) await last.giveBack();
    expect((await theirs.take('address')).taken).toBe(true);
    expect((await mine.take('address')).taken).toBe(false);
  });

  it('the burst-and-rate allowance over the store: the whole burst across both processes, no more', async () => {
    const [first, second] = stores();
    const name = `test-${randomUUID()}`;
    const windows = refusingWindows({ burst: 12, perSecond: 0.05 });
    const allowances = [createAllowance(first, name, windows), createAllowance(second, name, windows)];
    const takes: Take[] = [];
    for (let i = 0; i < 20; i += 1) takes.push(await allowances[i % 2]!.take('overall'));
    expect(taken(takes)).toBe(12);
  });
}

/** A TCP port on loopback that nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('limit store choice', () => {
  it('memory for the embedded default and for an injected clock, PostgreSQL or Redis otherwise', async () => {
    const sqlite = await openDatabase('sqlite::memory:');
    try {
      expect(createLimitStore({ config: { redisUrl: null }, database: sqlite, logger }).kind).toBe('memory');
      const redis = createLimitStore({ config: { redisUrl: `redis://127.0.0.1:${await closedPort()}` }, database: sqlite, logger });
      expect(redis.kind).toBe('redis');
      await redis.close();
      expect(createLimitStore({ config: { redisUrl: 'redis://127.0.0.1:1' }, database: sqlite, logger, now: () => 0 }).kind).toBe('memory');
    } finally {
      await sqlite.close();
    }
  });

  it('the memory store follows the clock it is given', async () => {
    let clock = 1_000_000;
    const counter = createMemoryLimitStore(() => clock).counter('clocked', { points: 1, seconds: 10 });
    expect((await counter.take('k')).taken).toBe(true);
    expect(await counter.take('k')).toEqual({ taken: false, retryInMs: 10_000 });
    clock += 4_000;
    expect(await counter.take('k')).toEqual({ taken: false, retryInMs: 6_000 });
    clock += 6_000;
    expect((await counter.take('k')).taken).toBe(true);
  });
});

forEachDatabase(
  'limit store on PostgreSQL',
  (getDb) => {
    let other: AppDatabase;
    let stores: [LimitStore, LimitStore];
    beforeAll(async () => {
      other = await openDatabase(getDb().url);
      stores = [createLimitStore({ config: { redisUrl: null }, database: getDb().appDb, logger }), createLimitStore({ config: { redisUrl: null }, database: other, logger })];
      expect(stores.map((store) => store.kind)).toEqual(['postgres', 'postgres']);
    });
    afterAll(async () => {
      await other?.close();
    });

    sharedCounting(() => stores);

    it('unreachable (its pool closed): a limit counts in the process (issue 18)', async () => {
      const gone = await openDatabase(getDb().url);
      const store = createLimitStore({ config: { redisUrl: null }, database: gone, logger });
      const counter = store.counter(`test-${randomUUID()}`, WINDOW);
      expect((await counter.take('k')).taken).toBe(true);
      await gone.close();
      const takes: Take[] = [];
      for (let i = 0; i < 7; i += 1) takes.push(await counter.take('k'));
      expect(taken(takes)).toBe(5);
    });
  },
  { only: ['postgres'] },
);

describeWithRedis('limit store on Redis', () => {
  let stores: [LimitStore, LimitStore];
  let sqlite: AppDatabase;
  beforeAll(async () => {
    sqlite = await openDatabase('sqlite::memory:');
    stores = [createLimitStore({ config: { redisUrl: TEST_REDIS_URL }, database: sqlite, logger }), createLimitStore({ config: { redisUrl: TEST_REDIS_URL }, database: sqlite, logger })];
    expect(stores.map((store) => store.kind)).toEqual(['redis', 'redis']);
  });
  afterAll(async () => {
    await Promise.all(stores?.map((store) => store.close()) ?? []);
    await sqlite?.close();
  });

  sharedCounting(() => stores);

  it('unreachable: a limit counts in the process (issue 18)', async () => {
    const store = createLimitStore({ config: { redisUrl: `redis://127.0.0.1:${await closedPort()}` }, database: sqlite, logger });
    try {
      const counter = store.counter(`test-${randomUUID()}`, WINDOW);
      const takes: Take[] = [];
      for (let i = 0; i < 7; i += 1) takes.push(await counter.take('k'));
      expect(taken(takes)).toBe(5);
      expect(await store.reachable()).toBe(false);
    } finally {
      await store.close();
    }
  });
});
