import { sql, type ExpressionBuilder, type SelectQueryBuilder } from 'kysely';
import type { DatabaseSchema } from '../schema.js';
import type { DatabaseKind } from '../database.js';
import type { ChunkRecord, ChunkStatus, SendStore, SendTables } from '../sendStore.js';
import { toSend, type SendDb } from './sendRows.js';

/**
 * The queue: recording a send, starting it under a lease, renewing, giving up or pausing the lease,
 * taking over interrupted sends and claiming due scheduled ones (each by exactly one process), finishing
 * and cancelling (a scheduled send, or one Bitrix24 paused).
 */
export type SendQueue = Pick<
  SendStore,
  'createSend' | 'startSending' | 'finishSend' | 'renewLease' | 'releaseLease' | 'pauseSend' | 'claimDueScheduledSends' | 'cancelScheduledSend' | 'cancelPausedSend' | 'cancelScheduledSendsOfPortal' | 'claimInterruptedSends'
>;

export function createSendQueue(db: SendDb, kind: DatabaseKind, now: () => number, history: Pick<SendStore, 'getSendByKey' | 'listChunks'>): SendQueue {
  /** On PostgreSQL a claim passes over rows another process is claiming right now instead of waiting for them. */
  const lockedForClaim = <Q extends SelectQueryBuilder<DatabaseSchema & SendTables, 'sends', { id: string }>>(query: Q): Q =>
    kind === 'postgres' ? (query.forUpdate().skipLocked() as Q) : query;

  async function startedBy(sendId: string, owner: string): Promise<boolean> {
    const current = await db.selectFrom('sends').select(['status', 'lease_owner']).where('id', '=', sendId).executeTakeFirst();
    return current?.status === 'sending' && current.lease_owner === owner;
  }

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
      const existing = await history.getSendByKey(input.memberId, input.idempotencyKey);
      if (!existing) throw new Error('send vanished after an idempotency-key conflict');
      return { send: existing, created: false };
    },

    async startSending(sendId, chunks, lease) {
      const timestamp = now();
      const recipientCount = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
      const records: ChunkRecord[] = chunks.map((userIds, index) => ({ sendId, index, userIds, size: userIds.length, status: 'pending', attempts: 0, errorCode: null, updatedAt: timestamp, claimedBy: null }));
      const rows = records.map((chunk) => ({ chunk_index: chunk.index, user_ids: JSON.stringify(chunk.userIds), size: chunk.size }));
      let started: boolean;
      if (kind === 'postgres') {
        // One statement: the conditional start, and the chunks only if it started.
        const inserted = await sql<{ send_id: string }>`
          with started as (
            update sends set status = 'sending', recipient_count = ${recipientCount}, lease_until = ${lease.until}, updated_at = ${timestamp}
            where id = ${sendId} and status = 'queued' and lease_owner = ${lease.owner}
            returning id
          )
          insert into send_chunks (send_id, chunk_index, user_ids, size, status, attempts, error_code, updated_at)
          select started.id, c.chunk_index, c.user_ids, c.size, 'pending', 0, null, ${timestamp}
          from started cross join jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as c(chunk_index integer, user_ids text, size integer)
          returning send_id`.execute(db);
        started = inserted.rows.length > 0 || (chunks.length === 0 && (await startedBy(sendId, lease.owner)));
      } else {
        started = await db.transaction().execute(async (trx) => {
          const updated = await trx
            .updateTable('sends')
            .set({ status: 'sending', recipient_count: recipientCount, lease_until: lease.until, updated_at: timestamp })
            .where('id', '=', sendId)
            .where('status', '=', 'queued')
            .where('lease_owner', '=', lease.owner)
            .executeTakeFirst();
          if (updated.numUpdatedRows === 0n) return false;
          if (rows.length > 0) {
            await trx
              .insertInto('send_chunks')
              .values(rows.map((row) => ({ send_id: sendId, ...row, status: 'pending' as const, attempts: 0, error_code: null, updated_at: timestamp })))
              .execute();
          }
          return true;
        });
      }
      if (started) return records;
      // Not started now: perhaps an earlier call of this owner did, and only its answer was lost.
      return (await startedBy(sendId, lease.owner)) ? history.listChunks(sendId) : null;
    },

    async finishSend(sendId, status, errorCode) {
      const timestamp = now();
      const totalOf = (chunkStatus: ChunkStatus) =>
        sql<number>`coalesce((select sum(size) from send_chunks where send_chunks.send_id = sends.id and send_chunks.status = ${chunkStatus}), 0)`.as(`total_${chunkStatus}`);
      const row = await db
        .updateTable('sends')
        .set({ status, error_code: errorCode, finished_at: timestamp, lease_until: null, lease_owner: null, updated_at: timestamp })
        .where('id', '=', sendId)
        .returningAll()
        .returning([totalOf('pending'), totalOf('sending'), totalOf('accepted'), totalOf('failed'), totalOf('uncertain')])
        .executeTakeFirst();
      if (!row) return null;
      return {
        send: toSend(row),
        totals: { pending: Number(row.total_pending), sending: Number(row.total_sending), accepted: Number(row.total_accepted), failed: Number(row.total_failed), uncertain: Number(row.total_uncertain) },
      };
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
      const rows = await db
        .updateTable('sends')
        .set({ status: 'queued', lease_until: lease.until, lease_owner: lease.owner, updated_at: now() })
        .where('id', 'in', (eb) =>
          lockedForClaim(
            eb
              .selectFrom('sends')
              .select('id')
              .where('status', '=', 'scheduled')
              .where('send_at', '<=', at)
              // A portal the app was removed from sends nothing (its scheduled sends are cancelled as the removal is recorded).
              .where((inner) => inner.not(inner.exists(inner.selectFrom('portals').select('portals.member_id').whereRef('portals.member_id', '=', 'sends.member_id').where('portals.install_state', '=', 'uninstalled'))))
              .orderBy('send_at')
              .orderBy('id')
              .limit(limit),
          ),
        )
        .where('status', '=', 'scheduled')
        .returningAll()
        .execute();
      return rows.map(toSend).sort((a, b) => (a.sendAt ?? 0) - (b.sendAt ?? 0) || (a.id < b.id ? -1 : 1));
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

    async cancelScheduledSendsOfPortal(memberId, errorCode) {
      const timestamp = now();
      const result = await db
        .updateTable('sends')
        .set({ status: 'cancelled', error_code: errorCode, finished_at: timestamp, updated_at: timestamp })
        .where('member_id', '=', memberId)
        .where('status', '=', 'scheduled')
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async cancelPausedSend(memberId, id) {
      const timestamp = now();
      // One conditional statement: paused (nobody holds it: a process resuming it first would have
      // taken the lease and cleared paused_until) and no chunk mid-call. Once it is `cancelled` with no
      // lease owner, no process can claim a chunk of it or take it over.
      const result = await db
        .updateTable('sends')
        .set({ status: 'cancelled', finished_at: timestamp, lease_until: null, lease_owner: null, paused_until: null, updated_at: timestamp })
        .where('member_id', '=', memberId)
        .where('id', '=', id)
        .where('status', 'in', ['queued', 'sending'])
        .where('paused_until', 'is not', null)
        .where('lease_owner', 'is', null)
        .where((eb) =>
          eb.not(eb.exists(eb.selectFrom('send_chunks').select('send_chunks.chunk_index').whereRef('send_chunks.send_id', '=', 'sends.id').where('send_chunks.status', '=', 'sending'))),
        )
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async claimInterruptedSends(lease, { ignoreLeases = false, limit = 100 } = {}) {
      const timestamp = now();
      const interrupted = (eb: ExpressionBuilder<DatabaseSchema & SendTables, 'sends'>) =>
        eb.and([
          eb('status', 'in', ['queued', 'sending']),
          // A send Bitrix24 paused waits for its time, also at start-up on SQLite.
          eb.or([eb('paused_until', 'is', null), eb('paused_until', '<=', timestamp)]),
          ...(ignoreLeases ? [] : [eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', timestamp)])]),
        ]);
      // The outer conditions are checked again on each row as it is updated: a send another process claimed meanwhile is left alone.
      const rows = await db
        .updateTable('sends')
        .set({ lease_until: lease.until, lease_owner: lease.owner, paused_until: null, updated_at: timestamp })
        .where('id', 'in', (eb) => lockedForClaim(eb.selectFrom('sends').select('id').where(interrupted).orderBy('created_at').limit(limit)))
        .where(interrupted)
        .returningAll()
        .execute();
      return rows.map(toSend).sort((a, b) => a.createdAt - b.createdAt);
    },
  };
}
