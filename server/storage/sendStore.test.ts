import { beforeAll, expect, it } from 'vitest';
import { createSendStore, type SendStore } from './sendStore.js';
import { forEachDatabase } from '../../test/support/databases.js';
import { newSendFactory, storePortalsForSends } from '../../test/support/sends.js';

forEachDatabase('send store', (getDb) => {
  let store: SendStore;
  let clock = 1_000_000;
  const MEMBER = 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4';
  const OTHER = 'ffffeeeeddddccccbbbbaaaa99998888';
  /** Lease owners: this process and another. */
  const ME = 'process-me';
  const THEM = 'process-them';
  const lease = (until: number, owner = ME) => ({ owner, until });
  const chunkAt = async (sendId: string, index: number) => (await store.listChunks(sendId)).find((chunk) => chunk.index === index) ?? null;
  const newSend = newSendFactory({ memberId: MEMBER, owner: ME, keyPrefix: 'key', now: () => clock });

  beforeAll(async () => {
    const { appDb } = getDb();
    await storePortalsForSends(appDb, [MEMBER, OTHER]);
    store = createSendStore(appDb, { now: () => clock });
  });

  it('records a send as queued, with its audience, and finds it by portal and key only', async () => {
    const input = newSend({ avatar: 'https://img.example/a.png' });
    const { send, created } = await store.createSend(input);
    expect(created).toBe(true);
    expect(send).toMatchObject({ id: input.id, status: 'queued', audience: { users: [2, 3] }, testToSelf: false, avatar: 'https://img.example/a.png', recipientCount: null, createdAt: clock });
    expect(await store.getSend(MEMBER, input.id)).toEqual(send);
    expect(await store.getSend(OTHER, input.id)).toBeNull();
    expect(await store.getSendByKey(MEMBER, input.idempotencyKey)).toEqual(send);
  });

  it('an idempotency key is unique per portal: a repeat writes nothing, another portal may use it', async () => {
    const first = await store.createSend(newSend({ idempotencyKey: 'same-key-0123456789' }));
    const again = await store.createSend(newSend({ idempotencyKey: 'same-key-0123456789', text: 'Other' }));
    expect(again).toEqual({ send: first.send, created: false });
    const elsewhere = await store.createSend(newSend({ idempotencyKey: 'same-key-0123456789', memberId: OTHER }));
    expect(elsewhere.created).toBe(true);
  });

  it('concurrent creations with one key yield one send', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => store.createSend(newSend({ idempotencyKey: 'racing-key-0123456789' }))));
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(new Set(results.map((result) => result.send.id)).size).toBe(1);
  });

  it('chunks: recorded with the send moving to sending; a chunk is claimed once; totals per status', async () => {
    const { send } = await store.createSend(newSend());
    const recorded = await store.startSending(send.id, [[1, 2, 3], [4, 5], [6]], lease(clock + 1000));
    // The chunks as recorded, without reading them back.
    expect(recorded).toEqual(await store.listChunks(send.id));
    expect(recorded?.map((chunk) => [chunk.userIds, chunk.status, chunk.attempts])).toEqual([[[1, 2, 3], 'pending', 0], [[4, 5], 'pending', 0], [[6], 'pending', 0]]);
    expect(await store.getSend(MEMBER, send.id)).toMatchObject({ status: 'sending', recipientCount: 6, leaseUntil: clock + 1000, leaseOwner: ME });
    const claims = await Promise.all(['a', 'b', 'c'].map((name) => store.claimChunks(send.id, [0], ME, name)));
    expect(claims.filter((claimed) => claimed.length > 0)).toEqual([[0]]);
    expect((await chunkAt(send.id, 0))?.claimedBy).toBe(['a', 'b', 'c'][claims.findIndex((claimed) => claimed.length > 0)]);
    await store.finishChunks(send.id, [0], 'accepted', null);
    expect(await store.claimChunks(send.id, [0], ME, 'd')).toEqual([]);
    expect(await store.claimChunks(send.id, [1], ME, 'e')).toEqual([1]);
    await store.releaseChunks(send.id, [1], 'QUERY_LIMIT_EXCEEDED');
    expect(await store.claimChunks(send.id, [1], ME, 'f')).toEqual([1]);
    expect(await store.markSendingChunksUncertain(send.id, 'INTERRUPTED')).toBe(1);
    expect(await store.failPendingChunks(send.id, 'ACCESS_ERROR')).toBe(1);
    const chunks = await store.listChunks(send.id);
    expect(chunks.map((chunk) => [chunk.index, chunk.userIds, chunk.status, chunk.attempts, chunk.errorCode])).toEqual([
      [0, [1, 2, 3], 'accepted', 1, null],
      [1, [4, 5], 'uncertain', 2, 'INTERRUPTED'],
      [2, [6], 'failed', 0, 'ACCESS_ERROR'],
    ]);
    expect((await store.chunkTotals([send.id])).get(send.id)).toEqual({ pending: 0, sending: 0, accepted: 3, failed: 1, uncertain: 2 });
    const finished = await store.finishSend(send.id, 'partly_failed', 'INTERRUPTED');
    expect(await store.getSend(MEMBER, send.id)).toMatchObject({ status: 'partly_failed', errorCode: 'INTERRUPTED', finishedAt: clock, leaseUntil: null });
    // Answered in the same statement: the send as it ends, and its totals.
    expect(finished).toEqual({ send: await store.getSend(MEMBER, send.id), totals: { pending: 0, sending: 0, accepted: 3, failed: 1, uncertain: 2 } });
    expect(await store.finishSend('no-such-send', 'failed', null)).toBeNull();
  });

  it('history: newest first, paged by the last id, per portal', async () => {
    const { appDb } = getDb();
    const fresh = createSendStore(appDb, { now: () => clock });
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      clock += 10;
      ids.push((await fresh.createSend(newSend({ memberId: OTHER }))).send.id);
    }
    const first = await fresh.listSends(OTHER, { limit: 2 });
    const second = await fresh.listSends(OTHER, { limit: 2, before: first.nextBefore! });
    const third = await fresh.listSends(OTHER, { limit: 2, before: second.nextBefore! });
    const all = [...first.sends, ...second.sends, ...third.sends].map((send) => send.id);
    // The portal had one send before (the shared key above), created earliest.
    expect(all.slice(0, 5)).toEqual([...ids].reverse());
    expect(all).toHaveLength(6);
    expect(third.nextBefore).toBeNull();
    expect((await fresh.listSends(MEMBER, { limit: 100 })).sends.every((send) => send.memberId === MEMBER)).toBe(true);
  });

  it('interrupted sends: only those whose lease ran out are taken, each by one claimer', async () => {
    const { send: live } = await store.createSend(newSend({ leaseUntil: clock + 60_000 }));
    const { send: stale } = await store.createSend(newSend({ leaseUntil: clock - 1 }));
    const claims = await Promise.all([store.claimInterruptedSends(lease(clock + 5000, THEM)), store.claimInterruptedSends(lease(clock + 5000, THEM))]);
    const claimed = claims.flat().map((send) => send.id);
    expect(claimed.filter((id) => id === stale.id)).toHaveLength(1);
    expect(claimed).not.toContain(live.id);
    expect(await store.getSend(MEMBER, stale.id)).toMatchObject({ leaseOwner: THEM, leaseUntil: clock + 5000 });
    const all = await store.claimInterruptedSends(lease(clock + 9000), { ignoreLeases: true });
    expect(all.map((send) => send.id)).toContain(live.id);
  });

  it('leases: only the owner renews, gives up or claims chunks; a lease given up is taken over at once, before it would have run out', async () => {
    const { send } = await store.createSend(newSend({ leaseUntil: clock + 60_000 }));
    expect(await store.startSending(send.id, [[1], [2]], lease(clock + 60_000, THEM))).toBeNull();
    expect(await store.startSending(send.id, [[1], [2]], lease(clock + 60_000))).toHaveLength(2);
    // Asked again (its first answer lost with the connection): already done, by this owner; the chunks are read back.
    expect(await store.startSending(send.id, [[1], [2]], lease(clock + 60_000))).toEqual(await store.listChunks(send.id));
    expect(await store.listChunks(send.id)).toHaveLength(2);
    expect(await store.claimChunks(send.id, [0], THEM, 'theirs')).toEqual([]);
    expect(await store.renewLease(send.id, lease(clock + 90_000, THEM))).toBe(false);
    expect(await store.renewLease(send.id, lease(clock + 90_000))).toBe(true);
    expect(await store.releaseLease(send.id, THEM)).toBe(false);
    expect(await store.getSend(MEMBER, send.id)).toMatchObject({ leaseOwner: ME, leaseUntil: clock + 90_000 });
    expect((await store.claimInterruptedSends(lease(clock + 5000, THEM))).map((claimed) => claimed.id)).not.toContain(send.id);

    expect(await store.releaseLease(send.id, ME)).toBe(true);
    expect(await store.getSend(MEMBER, send.id)).toMatchObject({ status: 'sending', leaseOwner: null, leaseUntil: null });
    expect(await store.claimChunks(send.id, [0], ME, 'mine')).toEqual([]);
    const takers = await Promise.all([store.claimInterruptedSends(lease(clock + 5000, THEM)), store.claimInterruptedSends(lease(clock + 5000, 'process-third'))]);
    expect(takers.flat().filter((claimed) => claimed.id === send.id)).toHaveLength(1);
    const taker = takers[0]!.some((claimed) => claimed.id === send.id) ? THEM : 'process-third';
    expect(await store.renewLease(send.id, lease(clock + 90_000))).toBe(false);
    expect(await store.claimChunks(send.id, [0], taker, 'theirs-now')).toEqual([0]);
    expect(await chunkAt(send.id, 0)).toMatchObject({ status: 'sending', claimedBy: 'theirs-now' });
    expect(await chunkAt(send.id, 9)).toBeNull();
    await store.finishSend(send.id, 'partly_failed', 'INTERRUPTED');
    expect(await store.getSend(MEMBER, send.id)).toMatchObject({ leaseOwner: null, leaseUntil: null });
    expect(await store.renewLease(send.id, lease(clock + 90_000, taker))).toBe(false);
  });
  it('scheduled sends: recorded without a lease, out of recovery’s reach, claimed once when due (oldest first), never early', async () => {
    const due = (await store.createSend(newSend({ sendAt: clock + 1_000 }))).send;
    const dueEarlier = (await store.createSend(newSend({ sendAt: clock + 500 }))).send;
    const later = (await store.createSend(newSend({ sendAt: clock + 60_000 }))).send;
    expect(due).toMatchObject({ status: 'scheduled', sendAt: clock + 1_000, leaseUntil: null });
    expect((await store.claimInterruptedSends(lease(clock + 5_000), { ignoreLeases: true })).map((send) => send.id)).not.toContain(due.id);
    expect(await store.claimDueScheduledSends(clock, lease(clock + 5_000))).toEqual([]);

    const at = clock + 1_000;
    const claims = await Promise.all(Array.from({ length: 4 }, () => store.claimDueScheduledSends(at, lease(at + 5_000))));
    const claimed = claims.flat();
    expect(claimed.map((send) => send.id).sort()).toEqual([dueEarlier.id, due.id].sort());
    for (const claim of claims) expect(claim.map((send) => send.sendAt)).toEqual(claim.map((send) => send.sendAt).sort((a, b) => a! - b!));
    expect(claimed.every((send) => send.status === 'queued' && send.leaseUntil === at + 5_000 && send.leaseOwner === ME)).toBe(true);
    expect(await store.getSend(MEMBER, due.id)).toMatchObject({ status: 'queued', leaseUntil: at + 5_000, leaseOwner: ME, sendAt: clock + 1_000 });
    expect(await store.getSend(MEMBER, later.id)).toMatchObject({ status: 'scheduled' });
  });

  it('cancel: only a scheduled send of that portal, once; not after a scheduler claimed it', async () => {
    const send = (await store.createSend(newSend({ sendAt: clock + 10_000 }))).send;
    expect(await store.cancelScheduledSend(OTHER, send.id)).toBe(false);
    const results = await Promise.all([store.cancelScheduledSend(MEMBER, send.id), store.cancelScheduledSend(MEMBER, send.id)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.getSend(MEMBER, send.id)).toMatchObject({ status: 'cancelled', finishedAt: clock, leaseUntil: null });
    expect(await store.claimDueScheduledSends(clock + 20_000, lease(clock + 30_000))).not.toContainEqual(expect.objectContaining({ id: send.id }));

    const claimedFirst = (await store.createSend(newSend({ sendAt: clock + 10_000 }))).send;
    expect((await store.claimDueScheduledSends(clock + 10_000, lease(clock + 20_000))).map((due) => due.id)).toContain(claimedFirst.id);
    expect(await store.cancelScheduledSend(MEMBER, claimedFirst.id)).toBe(false);
    expect(await store.getSend(MEMBER, claimedFirst.id)).toMatchObject({ status: 'queued' });
    const now = (await store.createSend(newSend())).send;
    expect(await store.cancelScheduledSend(MEMBER, now.id)).toBe(false);
  });
});
