import { Writable } from 'node:stream';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { createSendStore, type SendStore } from '../storage/sendStore.js';
import { startRetentionSweeper, type RetentionSweeper } from './retentionSweeper.js';
import { forEachDatabase } from '../../test/support/databases.js';
import { storePortalsForSends } from '../../test/support/sends.js';

const DAY = 86_400_000;
const MEMBER = 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4';

forEachDatabase('retention sweeper', (getDb) => {
  let clock: number;
  let seq = 0;
  let store: SendStore;
  let sweeper: RetentionSweeper | undefined;
  let logged: Array<{ msg: string; sends?: number; more?: boolean }>;

  beforeEach(async () => {
    const { appDb } = getDb();
    await appDb.db.deleteFrom('portals').execute();
    await storePortalsForSends(appDb, [MEMBER]);
    clock = Date.UTC(2029, 10, 3, 17, 0);
    store = createSendStore(appDb, { now: () => clock });
    logged = [];
  });

  afterEach(async () => {
    await sweeper?.stop();
    sweeper = undefined;
  });

  function start(retentionDays: number, limits: { batchSize?: number; maxBatches?: number } = {}): RetentionSweeper {
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged.push(JSON.parse(chunk.toString()) as (typeof logged)[number]);
        done();
      },
    });
    // The timer never fires within the test (first sweep in an hour): the test sweeps by hand.
    sweeper = startRetentionSweeper({ sendStore: store, logger: createLogger({ level: 'info', destination }), retentionMs: retentionDays * DAY, now: () => clock, firstAfterMs: 3_600_000, ...limits });
    return sweeper;
  }

  async function finishedSend(status: 'sent' | 'failed'): Promise<string> {
    seq += 1;
    const id = `00000000-0000-4000-9000-${String(seq).padStart(12, '0')}`;
    await store.createSend({ id, memberId: MEMBER, senderId: 1, idempotencyKey: `sweep-${seq}-${'k'.repeat(16)}`, requestHash: 'h', text: 'Hi', avatar: null, audience: { users: [5] }, testToSelf: false, leaseUntil: clock + 60_000, leaseOwner: 'me' });
    expect(await store.startSending(id, [[5]], { owner: 'me', until: clock + 60_000 })).toBeTruthy();
    await store.finishSend(id, status, null);
    return id;
  }

  it('deletes what finished more than the retention ago, in batches, finishing a large backlog over several sweeps', async () => {
    const old = [];
    for (let index = 0; index < 7; index += 1) old.push(await finishedSend(index % 2 ? 'failed' : 'sent'));
    clock += 20 * DAY;
    const young = await finishedSend('sent');
    const sweeper = start(30, { batchSize: 2, maxBatches: 3 });

    expect(await sweeper.sweep()).toEqual({ sends: 0, chunks: 0, cutoff: clock - 30 * DAY, more: false });
    clock += 11 * DAY;
    expect(await sweeper.sweep()).toMatchObject({ sends: 6, chunks: 6, more: true });
    expect(logged).toEqual([expect.objectContaining({ msg: 'sends past their retention deleted', sends: 6, more: true })]);
    expect(await sweeper.sweep()).toMatchObject({ sends: 1, chunks: 1, more: false });
    for (const id of old) expect(await store.getSend(MEMBER, id)).toBeNull();
    expect(await store.getSend(MEMBER, young)).not.toBeNull();
  });

  it('stops: a stopped sweeper deletes nothing more', async () => {
    await finishedSend('sent');
    clock += 401 * DAY;
    const sweeper = start(400);
    await sweeper.stop();
    expect(await sweeper.sweep()).toMatchObject({ sends: 0, more: true });
    expect((await store.listSends(MEMBER, { limit: 10 })).sends).toHaveLength(1);
  });
});
