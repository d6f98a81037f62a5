import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase, migrateToLatest, type AppDatabase } from '../storage/database.js';
import { createSendStore, type SendStore } from '../storage/sendStore.js';
import { createMetrics, type Metrics } from './metrics.js';
import { instrumentSendStore } from './instrumentSendStore.js';
import { newSendFactory, storePortalsForSends } from '../../test/support/sends.js';

const MEMBER = 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4';
const ME = 'process-me';
const START = Date.UTC(2030, 0, 7, 10);

let database: AppDatabase;
let metrics: Metrics;
let store: SendStore;
let clock = START;

const newSend = newSendFactory({ memberId: MEMBER, owner: ME, keyPrefix: 'metrics', now: () => clock });
const lease = () => ({ owner: ME, until: clock + 60_000 });
const count = async (counter: Metrics['chunks'] | Metrics['sendsFinished'], labels: Record<string, string>) =>
  (await counter.get()).values.find((value) => Object.entries(labels).every(([key, label]) => (value.labels as Record<string, unknown>)[key] === label))?.value ?? 0;

beforeAll(async () => {
  database = await openDatabase('sqlite::memory:');
  await migrateToLatest(database);
  await storePortalsForSends(database, [MEMBER]);
  metrics = createMetrics();
  store = instrumentSendStore(createSendStore(database, { now: () => clock }), metrics);
});

afterAll(async () => {
  await database?.close();
});

it('counts chunk outcomes and final statuses as the store makes them, and nothing it refused', async () => {
  const { send } = await store.createSend(newSend());
  expect(await store.startSending(send.id, [[2], [3], [4], [5], [6]], lease())).toHaveLength(5);
  expect(await store.claimChunks(send.id, [0, 1, 2], ME, 'claim-a')).toEqual([0, 1, 2]);
  await store.finishChunks(send.id, [0, 1], 'accepted', null);
  await store.releaseChunks(send.id, [2], 'QUERY_LIMIT_EXCEEDED');
  expect(await store.claimChunks(send.id, [2], ME, 'claim-b')).toEqual([2]);
  await store.finishChunks(send.id, [2], 'failed', 'ACCESS_ERROR');
  expect(await store.claimChunks(send.id, [3], ME, 'claim-c')).toEqual([3]);
  expect(await store.markSendingChunksUncertain(send.id, 'INTERRUPTED')).toBe(1);
  expect(await store.failPendingChunks(send.id, 'ACCESS_ERROR')).toBe(1);
  expect(await store.finishSend(send.id, 'partly_failed', 'ACCESS_ERROR')).not.toBeNull();
  // A send that is not (or no longer) scheduled is not cancelled: nothing counted.
  expect(await store.cancelScheduledSend(MEMBER, send.id)).toBe(false);

  expect(await count(metrics.chunks, { outcome: 'accepted' })).toBe(2);
  expect(await count(metrics.chunks, { outcome: 'released' })).toBe(1);
  expect(await count(metrics.chunks, { outcome: 'failed' })).toBe(2);
  expect(await count(metrics.chunks, { outcome: 'uncertain' })).toBe(1);
  expect(await count(metrics.sendsFinished, { status: 'partly_failed' })).toBe(1);
  expect(await count(metrics.sendsFinished, { status: 'cancelled' })).toBe(0);
});

it('counts a cancelled schedule and observes how late each scheduled send was claimed', async () => {
  const cancelled = (await store.createSend(newSend({ sendAt: clock + 10 * 60_000, leaseOwner: null }))).send;
  expect(await store.cancelScheduledSend(MEMBER, cancelled.id)).toBe(true);
  expect(await count(metrics.sendsFinished, { status: 'cancelled' })).toBe(1);

  const early = (await store.createSend(newSend({ sendAt: clock + 60_000, leaseOwner: null }))).send;
  const later = (await store.createSend(newSend({ sendAt: clock + 90_000, leaseOwner: null }))).send;
  clock += 120_000;
  const claimed = await store.claimDueScheduledSends(clock, lease());
  expect(claimed.map((send) => send.id).sort()).toEqual([early.id, later.id].sort());

  const lag = await metrics.schedulerLag.get();
  expect(lag.values.find((value) => value.metricName === 'teampush_scheduler_lag_seconds_count')?.value).toBe(2);
  expect(lag.values.find((value) => value.metricName === 'teampush_scheduler_lag_seconds_sum')?.value).toBe(60 + 30);
});
