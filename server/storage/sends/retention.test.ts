import { beforeEach, expect, it } from 'vitest';
import { createSendStore, type NewSend, type SendRecord, type SendStore } from '../sendStore.js';
import { forEachDatabase } from '../../../test/support/databases.js';
import { newSendFactory, storePortalsForSends } from '../../../test/support/sends.js';

const DAY = 86_400_000;
const RETENTION = 400 * DAY;
const MEMBER = 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4';
const OTHER = 'ffffeeeeddddccccbbbbaaaa99998888';
const ME = 'process-me';

forEachDatabase('send retention', (getDb) => {
  /** The injected clock (epoch ms): any fixed start works, the test never reads the machine's. */
  let clock: number;
  let store: SendStore;

  const newSend = newSendFactory({ memberId: MEMBER, owner: ME, keyPrefix: 'retention', now: () => clock });

  /** A send that ran with `chunks` chunks (statuses as given) and, unless `status` is null, finished now. */
  async function ranSend(chunkStatuses: Array<'accepted' | 'failed' | 'uncertain' | 'pending'>, status: SendRecord['status'] | null, overrides: Partial<NewSend> = {}): Promise<SendRecord> {
    const { send } = await store.createSend(newSend(overrides));
    expect(await store.startSending(send.id, chunkStatuses.map((_, index) => [index + 10]), { owner: ME, until: clock + 60_000 })).toBeTruthy();
    for (const [index, chunkStatus] of chunkStatuses.entries()) {
      if (chunkStatus === 'pending') continue;
      expect(await store.claimChunks(send.id, [index], ME, `claim-${send.id}-${index}`)).toEqual([index]);
      await store.finishChunks(send.id, [index], chunkStatus, chunkStatus === 'accepted' ? null : 'ERR');
    }
    if (status) await store.finishSend(send.id, status, null);
    return send;
  }

  beforeEach(async () => {
    const { appDb } = getDb();
    await appDb.db.deleteFrom('portals').execute();
    await storePortalsForSends(appDb, [MEMBER, OTHER]);
    clock = Date.UTC(2031, 2, 14, 9, 30);
    store = createSendStore(appDb, { now: () => clock });
  });

  it('deletes the sends that finished before the cutoff, with their chunks, and keeps every unfinished one however old', async () => {
    const start = clock;
    // Finished long ago: sent, failed with an uncertain chunk, a cancelled schedule, another portal's.
    const sent = await ranSend(['accepted', 'accepted'], 'sent');
    const failedUncertain = await ranSend(['uncertain', 'failed'], 'failed');
    const cancelled = (await store.createSend(newSend({ sendAt: clock + 5 * DAY }))).send;
    expect(await store.cancelScheduledSend(MEMBER, cancelled.id)).toBe(true);
    const elsewhere = await ranSend(['accepted'], 'partly_failed', { memberId: OTHER });
    // Unfinished from the same time: queued, running with an uncertain chunk, paused by Bitrix24, and
    // scheduled a year ahead.
    const queued = (await store.createSend(newSend())).send;
    const running = await ranSend(['uncertain', 'pending'], null);
    const paused = await ranSend(['accepted', 'pending'], null);
    expect(await store.pauseSend(paused.id, ME, clock + 500 * DAY)).toBe(true);
    const scheduled = (await store.createSend(newSend({ sendAt: clock + 365 * DAY }))).send;

    // A send that finished exactly at the cutoff, and one after it.
    clock = start + DAY;
    const atCutoff = await ranSend(['accepted'], 'sent');
    clock = start + 2 * DAY;
    const recent = await ranSend(['failed'], 'failed');

    clock = start + DAY + RETENTION;
    expect(await store.deleteFinishedSendsBefore(clock - RETENTION, 100)).toEqual({ sends: 4, chunks: 5 });
    for (const gone of [sent, failedUncertain, cancelled, elsewhere]) {
      expect(await store.getSend(gone.memberId, gone.id)).toBeNull();
      expect(await store.listChunks(gone.id)).toEqual([]);
    }
    for (const kept of [queued, running, paused, scheduled, atCutoff, recent]) expect(await store.getSend(MEMBER, kept.id)).not.toBeNull();
    expect((await store.listChunks(running.id)).map((chunk) => chunk.status)).toEqual(['uncertain', 'pending']);
    expect((await store.listSends(MEMBER, { limit: 50 })).sends.map((send) => send.id).sort()).toEqual([queued, running, paused, scheduled, atCutoff, recent].map((send) => send.id).sort());
    expect(await store.deleteFinishedSendsBefore(clock - RETENTION, 100)).toEqual({ sends: 0, chunks: 0 });

    // Ten years on, only the finished ones go.
    clock += 3650 * DAY;
    expect(await store.deleteFinishedSendsBefore(clock - RETENTION, 100)).toEqual({ sends: 2, chunks: 2 });
    expect((await store.listSends(MEMBER, { limit: 50 })).sends.map((send) => send.status).sort()).toEqual(['queued', 'scheduled', 'sending', 'sending']);
  });

  it('deletes at most the batch size at a time, oldest first', async () => {
    const sends: SendRecord[] = [];
    for (let index = 0; index < 5; index += 1) {
      clock += 1_000;
      sends.push(await ranSend(['accepted', 'accepted', 'accepted'], 'sent'));
    }
    clock += RETENTION + DAY;
    expect(await store.deleteFinishedSendsBefore(clock - RETENTION, 2)).toEqual({ sends: 2, chunks: 6 });
    expect(await store.getSend(MEMBER, sends[0]!.id)).toBeNull();
    expect(await store.getSend(MEMBER, sends[1]!.id)).toBeNull();
    expect(await store.getSend(MEMBER, sends[2]!.id)).not.toBeNull();
    expect(await store.deleteFinishedSendsBefore(clock - RETENTION, 2)).toEqual({ sends: 2, chunks: 6 });
    expect(await store.deleteFinishedSendsBefore(clock - RETENTION, 2)).toEqual({ sends: 1, chunks: 3 });
    expect(await store.deleteFinishedSendsBefore(clock - RETENTION, 2)).toEqual({ sends: 0, chunks: 0 });
  });

  it('two sweeps at once delete each send once', async () => {
    for (let index = 0; index < 6; index += 1) await ranSend(['accepted'], 'sent');
    clock += RETENTION + DAY;
    const other = createSendStore(getDb().appDb, { now: () => clock });
    const results = await Promise.all([store.deleteFinishedSendsBefore(clock - RETENTION, 4), other.deleteFinishedSendsBefore(clock - RETENTION, 4)]);
    const again = await store.deleteFinishedSendsBefore(clock - RETENTION, 4);
    expect(results.reduce((sum, result) => sum + result.sends, 0) + again.sends).toBe(6);
    expect(results.reduce((sum, result) => sum + result.chunks, 0) + again.chunks).toBe(6);
  });
});
