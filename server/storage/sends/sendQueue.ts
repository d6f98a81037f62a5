import { sql } from 'kysely';
import type { SendRecord, SendStore } from '../sendStore.js';
import { toSend, type SendDb } from './sendRows.js';

/**
 * The queue: recording a send, starting it under a lease, renewing, giving up or pausing the lease,
 * taking over interrupted sends and claiming due scheduled ones (each by exactly one process), finishing
 * and cancelling.
 */
export type SendQueue = Pick<SendStore, 'createSend' | 'startSending' | 'finishSend' | 'renewLease' | 'releaseLease' | 'pauseSend' | 'claimDueScheduledSends' | 'cancelScheduledSend' | 'claimInterruptedSends'>;

export function createSendQueue(db: SendDb, now: () => number, getSendByKey: SendStore['getSendByKey']): SendQueue {
  return {
    async createSend(input) {
      const timestamp = now();
      const inserted = await db
        .insertInto('sends')
        .values({
          id: input.id,
          member_id: input.memberId,
          sender_id: input.senderId,
          created_at: timestamp,
          idempotency_key: input.idempotencyKey,
          request_hash: input.requestHash,
          text: input.text,
          avatar: input.avatar,
          audience: input.audience === null || input.audience === undefined ? null : JSON.stringify(input.audience),
          test_to_self: input.testToSelf ? 1 : 0,
          recipient_count: null,
          status: input.sendAt ? 'scheduled' : 'queued',
          error_code: null,
          finished_at: null,
          lease_until: input.sendAt ? null : input.leaseUntil,
          lease_owner: input.sendAt ? null : (input.leaseOwner ?? null),
          updated_at: timestamp,
          send_at: input.sendAt ?? null,
          paused_until: null,
        })
        .onConflict((conflict) => conflict.columns(['member_id', 'idempotency_key']).doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted) return { send: toSend(inserted), created: true };
      const existing = await getSendByKey(input.memberId, input.idempotencyKey);
      if (!existing) throw new Error('send vanished after an idempotency-key conflict');
      return { send: existing, created: false };
    },

    async startSending(sendId, chunks, lease) {
      const timestamp = now();
      return db.transaction().execute(async (trx) => {
        const started = await trx
          .updateTable('sends')
          .set({ status: 'sending', recipient_count: chunks.reduce((sum, chunk) => sum + chunk.length, 0), lease_until: lease.until, updated_at: timestamp })
          .where('id', '=', sendId)
          .where('status', '=', 'queued')
          .where('lease_owner', '=', lease.owner)
          .executeTakeFirst();
        if (started.numUpdatedRows === 0n) {
          const current = await trx.selectFrom('sends').select(['status', 'lease_owner']).where('id', '=', sendId).executeTakeFirst();
          return current?.status === 'sending' && current.lease_owner === lease.owner;
        }
        if (chunks.length > 0) {
          await trx
            .insertInto('send_chunks')
            .values(
              chunks.map((userIds, index) => ({
                send_id: sendId,
                chunk_index: index,
                user_ids: JSON.stringify(userIds),
                size: userIds.length,
                status: 'pending' as const,
                attempts: 0,
                error_code: null,
                updated_at: timestamp,
              })),
            )
            .execute();
        }
        return true;
      });
    },

    async finishSend(sendId, status, errorCode) {
      const timestamp = now();
      await db
        .updateTable('sends')
        .set({ status, error_code: errorCode, finished_at: timestamp, lease_until: null, lease_owner: null, updated_at: timestamp })
        .where('id', '=', sendId)
        .execute();
    },

    async renewLease(sendId, lease) {
      const result = await db
        .updateTable('sends')
        .set({ lease_until: lease.until })
        .where('id', '=', sendId)
        .where('status', 'in', ['queued', 'sending'])
        .where('lease_owner', '=', lease.owner)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async releaseLease(sendId, owner) {
      const result = await db
        .updateTable('sends')
        .set({ lease_until: null, lease_owner: null, updated_at: now() })
        .where('id', '=', sendId)
        .where('status', 'in', ['queued', 'sending'])
        .where('lease_owner', '=', owner)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async pauseSend(sendId, owner, until) {
      const result = await db
        .updateTable('sends')
        .set({ lease_until: Math.trunc(until), lease_owner: null, paused_until: Math.trunc(until), updated_at: now() })
        .where('id', '=', sendId)
        .where('status', 'in', ['queued', 'sending'])
        .where('lease_owner', '=', owner)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async claimDueScheduledSends(at, lease, limit = 100) {
      const due = await db
        .selectFrom('sends')
        .selectAll()
        .where('status', '=', 'scheduled')
        .where('send_at', '<=', at)
        .orderBy('send_at')
        .orderBy('id')
        .limit(limit)
        .execute();
      const claimed: SendRecord[] = [];
      for (const row of due) {
        const result = await db
          .updateTable('sends')
          .set({ status: 'queued', lease_until: lease.until, lease_owner: lease.owner, updated_at: now() })
          .where('id', '=', row.id)
          .where('status', '=', 'scheduled')
          .executeTakeFirst();
        if (result.numUpdatedRows > 0n) claimed.push(toSend({ ...row, status: 'queued', lease_until: lease.until, lease_owner: lease.owner }));
      }
      return claimed;
    },

    async cancelScheduledSend(memberId, id) {
      const timestamp = now();
      const result = await db
        .updateTable('sends')
        .set({ status: 'cancelled', finished_at: timestamp, updated_at: timestamp })
        .where('member_id', '=', memberId)
        .where('id', '=', id)
        .where('status', '=', 'scheduled')
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async claimInterruptedSends(lease, { ignoreLeases = false } = {}) {
      const timestamp = now();
      let candidates = db
        .selectFrom('sends')
        .selectAll()
        .where('status', 'in', ['queued', 'sending'])
        // A send Bitrix24 paused waits for its time, also at start-up on SQLite.
        .where((eb) => eb.or([eb('paused_until', 'is', null), eb('paused_until', '<=', timestamp)]));
      if (!ignoreLeases) candidates = candidates.where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', timestamp)]));
      const rows = await candidates.orderBy('created_at').execute();
      const claimed: SendRecord[] = [];
      for (const row of rows) {
        const previous = row.lease_until === null ? null : Number(row.lease_until);
        const result = await db
          .updateTable('sends')
          .set({ lease_until: lease.until, lease_owner: lease.owner, paused_until: null, updated_at: timestamp })
          .where('id', '=', row.id)
          .where('status', 'in', ['queued', 'sending'])
          .where(previous === null ? sql<boolean>`lease_until is null` : sql<boolean>`lease_until = ${previous}`)
          .executeTakeFirst();
        if (result.numUpdatedRows > 0n) claimed.push(toSend({ ...row, lease_until: lease.until, lease_owner: lease.owner, paused_until: null }));
      }
      return claimed;
    },
  };
}
