import { beforeAll, expect, it } from 'vitest';
import { createSendStore, type SendRecord, type SendStore } from '../sendStore.js';
import { forEachDatabase } from '../../../test/support/databases.js';
import { newSendFactory, storePortalsForSends } from '../../../test/support/sends.js';

/**
 * Cancelling a send Bitrix24 paused (issue 18: a pause until the year 33658 could not be cancelled). One
 * conditional statement: only a paused send nobody holds, with no chunk mid-call; after it no process
 * claims a chunk of it or takes it over. What was pushed stays reported as it was.
 */
forEachDatabase('cancelling a paused send', (getDb) => {
  let store: SendStore;
  let clock = 5_000_000;
  const MEMBER = 'c0ffee00c0ffee00c0ffee00c0ffee00';
  const OTHER = 'deadbeefdeadbeefdeadbeefdeadbeef';
  const ME = 'process-me';
  const THEM = 'process-them';
  const lease = (owner = ME) => ({ owner, until: clock + 15_000 });
  const newSend = newSendFactory({ memberId: MEMBER, owner: ME, keyPrefix: 'paused', now: () => clock });

  beforeAll(async () => {
    const { appDb } = getDb();
    await storePortalsForSends(appDb, [MEMBER, OTHER]);
    store = createSendStore(appDb, { now: () => clock });
  });

  /** A send of four chunks, as the pipeline leaves one Bitrix24 paused at its third: accepted, uncertain, then two pending. */
  async function pausedSend(): Promise<SendRecord> {
    const { send } = await store.createSend(newSend());
    await store.startSending(send.id, [[1], [2], [3], [4]], lease());
    expect(await store.claimChunks(send.id, [0, 1, 2], ME, 'call-1')).toEqual([0, 1, 2]);
    await store.finishChunks(send.id, [0], 'accepted', null);
    await store.finishChunks(send.id, [1], 'uncertain', 'PUSH_OUTCOME_UNKNOWN');
    await store.releaseChunks(send.id, [2], 'OPERATION_TIME_LIMIT');
    expect(await store.pauseSend(send.id, ME, clock + 11 * 60_000)).toBe(true);
    return send;
  }

  const statuses = async (sendId: string) => (await store.listChunks(sendId)).map((chunk) => chunk.status);

  it('a paused send is cancelled once; pushed chunks stay reported, the rest is never sent and nobody resumes it', async () => {
    const send = await pausedSend();
    expect(await store.cancelPausedSend(OTHER, send.id)).toBe(false);
    const results = await Promise.all([store.cancelPausedSend(MEMBER, send.id), store.cancelPausedSend(MEMBER, send.id)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.getSend(MEMBER, send.id)).toMatchObject({ status: 'cancelled', finishedAt: clock, pausedUntil: null, leaseOwner: null, leaseUntil: null });
    expect(await statuses(send.id)).toEqual(['accepted', 'uncertain', 'pending', 'pending']);
    expect((await store.chunkTotals([send.id])).get(send.id)).toEqual({ pending: 2, sending: 0, accepted: 1, failed: 0, uncertain: 1 });

    // The pause's end, a restart (ignoring leases), the process that paused it: none sends anything.
    clock += 12 * 60_000;
    expect((await store.claimInterruptedSends(lease(THEM))).map((claimed) => claimed.id)).not.toContain(send.id);
    expect((await store.claimInterruptedSends(lease(THEM), { ignoreLeases: true })).map((claimed) => claimed.id)).not.toContain(send.id);
    expect(await store.claimChunks(send.id, [2, 3], ME, 'late')).toEqual([]);
    expect(await store.renewLease(send.id, lease())).toBe(false);
    expect(await store.startSending(send.id, [[9]], lease())).toBeNull();
    expect(await statuses(send.id)).toEqual(['accepted', 'uncertain', 'pending', 'pending']);
  });

  it('also while the audience was being read (queued, no chunks yet), and after the pause ran out but before anyone resumed it', async () => {
    const { send } = await store.createSend(newSend());
    expect(await store.pauseSend(send.id, ME, clock + 60_000)).toBe(true);
    clock += 2 * 60_000;
    expect(await store.cancelPausedSend(MEMBER, send.id)).toBe(true);
    expect(await store.getSend(MEMBER, send.id)).toMatchObject({ status: 'cancelled', recipientCount: null });
    expect((await store.claimInterruptedSends(lease(THEM), { ignoreLeases: true })).map((claimed) => claimed.id)).not.toContain(send.id);
  });

  it('not while a process holds it: running, resumed after the pause, or with a chunk mid-call', async () => {
    const running = (await store.createSend(newSend())).send;
    await store.startSending(running.id, [[1], [2]], lease());
    expect(await store.cancelPausedSend(MEMBER, running.id)).toBe(false);

    const resumed = await pausedSend();
    clock += 12 * 60_000;
    expect((await store.claimInterruptedSends(lease(THEM))).map((claimed) => claimed.id)).toContain(resumed.id);
    expect(await store.cancelPausedSend(MEMBER, resumed.id)).toBe(false);
    expect(await store.claimChunks(resumed.id, [2], THEM, 'resumed')).toEqual([2]);

    // A chunk still `sending` under a paused send (not something the pipeline leaves, but never cancelled under a call).
    const midCall = await pausedSend();
    const { appDb } = getDb();
    await appDb.db.withTables<{ send_chunks: { send_id: string; chunk_index: number; status: string } }>().updateTable('send_chunks').set({ status: 'sending' }).where('send_id', '=', midCall.id).where('chunk_index', '=', 3).execute();
    expect(await store.cancelPausedSend(MEMBER, midCall.id)).toBe(false);
    expect(await store.getSend(MEMBER, midCall.id)).toMatchObject({ status: 'sending' });

    const finished = (await store.createSend(newSend())).send;
    await store.finishSend(finished.id, 'sent', null);
    expect(await store.cancelPausedSend(MEMBER, finished.id)).toBe(false);
  });

  it('a cancel and a take-over at the same moment: exactly one wins', async () => {
    for (let round = 0; round < 5; round += 1) {
      const send = await pausedSend();
      clock += 12 * 60_000;
      const [cancelled, claimed] = await Promise.all([store.cancelPausedSend(MEMBER, send.id), store.claimInterruptedSends(lease(THEM))]);
      const tookIt = claimed.some((taken) => taken.id === send.id);
      expect(cancelled !== tookIt).toBe(true);
      expect((await store.getSend(MEMBER, send.id))!.status).toBe(cancelled ? 'cancelled' : 'sending');
      if (tookIt) await store.finishSend(send.id, 'partly_failed', null);
    }
  });
});
