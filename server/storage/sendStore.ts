import { sql, type Kysely, type Selectable } from 'kysely';
import type { AppDatabase } from './database.js';
import type { DatabaseSchema } from './schema.js';

/**
 * Sends (the history) and their chunks. Row types live here rather than in schema.ts: only this
 * module reads or writes these tables. Times are epoch ms, booleans 0/1 (decision 0002).
 *
 * The state changes that matter for "never twice" are conditional updates (compare-and-set), so they
 * hold across processes on PostgreSQL as well as within one process:
 * - `claimChunk`: `pending -> sending` succeeds for exactly one caller, and only for the process that
 *   holds the send's lease; the claim is named (`claimed_by`), so a claim whose answer was lost with its
 *   connection can be recognised by its maker;
 * - `claimInterruptedSends`: a send whose lease ran out (or was given up) is taken over by exactly one
 *   process;
 * - `renewLease` / `releaseLease`: only the lease's owner (`lease_owner`) renews or gives it up.
 */

export type SendStatus = 'queued' | 'scheduled' | 'sending' | 'sent' | 'partly_failed' | 'failed' | 'cancelled';
export type ChunkStatus = 'pending' | 'sending' | 'accepted' | 'failed' | 'uncertain';
export const FINAL_SEND_STATUSES: readonly SendStatus[] = ['sent', 'partly_failed', 'failed', 'cancelled'];

export interface SendsTable {
  id: string;
  member_id: string;
  sender_id: number;
  created_at: number;
  idempotency_key: string;
  request_hash: string;
  text: string;
  avatar: string | null;
  audience: string | null;
  test_to_self: number;
  recipient_count: number | null;
  status: SendStatus;
  error_code: string | null;
  finished_at: number | null;
  lease_until: number | null;
  /** The process (pipeline) holding the lease; null when nobody does. */
  lease_owner: string | null;
  updated_at: number;
  /** When a scheduled send is due (epoch ms); null for a send made to go at once. */
  send_at: number | null;
  /** Bitrix24 blocked the push method (OPERATION_TIME_LIMIT) until then (epoch ms); null when not paused. */
  paused_until: number | null;
}

export interface SendChunksTable {
  send_id: string;
  chunk_index: number;
  user_ids: string;
  size: number;
  status: ChunkStatus;
  attempts: number;
  error_code: string | null;
  updated_at: number;
  /** The claim that last moved the chunk to `sending`. */
  claimed_by: string | null;
}

type SendTables = {
  sends: SendsTable;
  send_chunks: SendChunksTable;
};

export interface SendRecord {
  id: string;
  memberId: string;
  senderId: number;
  createdAt: number;
  idempotencyKey: string;
  requestHash: string;
  text: string;
  avatar: string | null;
  /** The audience as submitted (parsed JSON), null for a test send. */
  audience: unknown;
  testToSelf: boolean;
  recipientCount: number | null;
  status: SendStatus;
  errorCode: string | null;
  finishedAt: number | null;
  leaseUntil: number | null;
  leaseOwner: string | null;
  /** When a scheduled send is (or was) due; null for one that went at once. */
  sendAt: number | null;
  /** Bitrix24 blocked the push method (OPERATION_TIME_LIMIT): nobody resumes the send before then. */
  pausedUntil: number | null;
}

export interface ChunkRecord {
  sendId: string;
  index: number;
  userIds: number[];
  size: number;
  status: ChunkStatus;
  attempts: number;
  errorCode: string | null;
  updatedAt: number;
  claimedBy: string | null;
}

/** Recipients per chunk status (sums of chunk sizes). */
export interface ChunkTotals {
  pending: number;
  sending: number;
  accepted: number;
  failed: number;
  uncertain: number;
}

export interface NewSend {
  id: string;
  memberId: string;
  senderId: number;
  idempotencyKey: string;
  requestHash: string;
  text: string;
  avatar: string | null;
  audience: unknown;
  testToSelf: boolean;
  /** The lease of the process recording it (it runs the send at once). */
  leaseUntil: number;
  /** Null or absent: nobody holds it (recovery takes it once `leaseUntil` has passed). */
  leaseOwner?: string | null;
  /** Given: the send is recorded `scheduled` for that time, with no lease. */
  sendAt?: number | null;
}

export interface SendPage {
  sends: SendRecord[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextBefore: string | null;
}

export interface SendStore {
  /** PostgreSQL may have several processes; SQLite has one (decision 0002). */
  readonly multiProcess: boolean;
  /**
   * Records a send as `queued`, unless this portal already has one with that idempotency key: then
   * nothing is written and the first send is returned with `created: false`.
   */
  createSend(input: NewSend): Promise<{ send: SendRecord; created: boolean }>;
  /** A send of this portal (null for another portal's). */
  getSend(memberId: string, id: string): Promise<SendRecord | null>;
  getSendByKey(memberId: string, idempotencyKey: string): Promise<SendRecord | null>;
  /** Newest first; `before` is the id of the last send of the previous page. */
  listSends(memberId: string, options: { limit: number; before?: string }): Promise<SendPage>;
  /**
   * Records the chunks (`pending`) and moves the send `queued -> sending`, in one transaction, if
   * `owner` holds its lease. True when the chunks are recorded under this owner (also when an earlier
   * call of the same owner did it and only its answer was lost); false when the owner lost the send.
   */
  startSending(sendId: string, chunks: number[][], lease: Lease): Promise<boolean>;
  /** Ends a send (final status, error, finish time) and gives up its lease. */
  finishSend(sendId: string, status: SendStatus, errorCode: string | null): Promise<void>;
  /** Extends the lease if `owner` still holds it (false: another process took the send over, or it ended). */
  renewLease(sendId: string, lease: Lease): Promise<boolean>;
  /**
   * Gives the lease up at once (a stopping process): another process's recovery takes the send over at
   * its next look, resuming its pending chunks. False when `owner` did not hold it.
   */
  releaseLease(sendId: string, owner: string): Promise<boolean>;
  /**
   * Bitrix24 blocked a method the send needs until `until` (OPERATION_TIME_LIMIT): the lease is given up
   * and nobody takes the send up before then (its pending chunks wait). False when `owner` did not hold it.
   */
  pauseSend(sendId: string, owner: string, until: number): Promise<boolean>;
  listChunks(sendId: string): Promise<ChunkRecord[]>;
  getChunk(sendId: string, index: number): Promise<ChunkRecord | null>;
  chunkTotals(sendIds: readonly string[]): Promise<Map<string, ChunkTotals>>;
  /**
   * `pending -> sending` under the name `claim`, counting an attempt, if `owner` holds the send's lease.
   * False when the chunk was not pending (someone else has it) or the lease is another's.
   */
  claimChunk(sendId: string, index: number, owner: string, claim: string): Promise<boolean>;
  /** `sending -> pending` after Bitrix24 certainly did not take the call (rate limit, connection refused). */
  releaseChunk(sendId: string, index: number, errorCode: string): Promise<void>;
  /** Final state of a chunk (from `sending`, or from `uncertain` when a late answer proves acceptance). */
  finishChunk(sendId: string, index: number, status: 'accepted' | 'failed' | 'uncertain', errorCode: string | null): Promise<void>;
  /** Every still-pending chunk -> failed (never attempted); returns how many. */
  failPendingChunks(sendId: string, errorCode: string): Promise<number>;
  /** Every `sending` chunk -> `uncertain` (a crash left them mid-call); returns how many. */
  markSendingChunksUncertain(sendId: string, errorCode: string): Promise<number>;
  /**
   * Unfinished sends (`queued`/`sending`) whose lease ran out — or, with `ignoreLeases`, all of them —
   * each taken over by a conditional update, so one process wins each.
   */
  claimInterruptedSends(lease: Lease, options?: { ignoreLeases?: boolean }): Promise<SendRecord[]>;
  /**
   * Scheduled sends whose time has come (`send_at <= now`), oldest first, each moved to `queued` with a
   * lease by a conditional update: one process wins each.
   */
  claimDueScheduledSends(now: number, lease: Lease, limit?: number): Promise<SendRecord[]>;
  /** `scheduled -> cancelled` for this portal's send; false when it is not (or no longer) scheduled. */
  cancelScheduledSend(memberId: string, id: string): Promise<boolean>;
}

/** A process's hold on a send: who (a pipeline's id) and until when (epoch ms). */
export interface Lease {
  owner: string;
  until: number;
}

export function createSendStore(appDb: AppDatabase, options: { now?: () => number } = {}): SendStore {
  const db: Kysely<DatabaseSchema & SendTables> = appDb.db.withTables<SendTables>();
  const now = options.now ?? Date.now;

  function toSend(row: Selectable<SendsTable>): SendRecord {
    return {
      id: row.id,
      memberId: row.member_id,
      senderId: Number(row.sender_id),
      createdAt: Number(row.created_at),
      idempotencyKey: row.idempotency_key,
      requestHash: row.request_hash,
      text: row.text,
      avatar: row.avatar,
      audience: row.audience === null ? null : (JSON.parse(row.audience) as unknown),
      testToSelf: Number(row.test_to_self) === 1,
      recipientCount: row.recipient_count === null ? null : Number(row.recipient_count),
      status: row.status,
      errorCode: row.error_code,
      finishedAt: row.finished_at === null ? null : Number(row.finished_at),
      leaseUntil: row.lease_until === null ? null : Number(row.lease_until),
      leaseOwner: row.lease_owner ?? null,
      sendAt: row.send_at === null || row.send_at === undefined ? null : Number(row.send_at),
      pausedUntil: row.paused_until === null || row.paused_until === undefined ? null : Number(row.paused_until),
    };
  }

  function toChunk(row: Selectable<SendChunksTable>): ChunkRecord {
    return {
      sendId: row.send_id,
      index: Number(row.chunk_index),
      userIds: JSON.parse(row.user_ids) as number[],
      size: Number(row.size),
      status: row.status,
      attempts: Number(row.attempts),
      errorCode: row.error_code,
      updatedAt: Number(row.updated_at),
      claimedBy: row.claimed_by ?? null,
    };
  }

  async function getSendByKey(memberId: string, idempotencyKey: string): Promise<SendRecord | null> {
    const row = await db.selectFrom('sends').selectAll().where('member_id', '=', memberId).where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
    return row ? toSend(row) : null;
  }

  return {
    multiProcess: appDb.kind === 'postgres',

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

    async getSend(memberId, id) {
      const row = await db.selectFrom('sends').selectAll().where('member_id', '=', memberId).where('id', '=', id).executeTakeFirst();
      return row ? toSend(row) : null;
    },

    getSendByKey,

    async listSends(memberId, { limit, before }) {
      let query = db.selectFrom('sends').selectAll().where('member_id', '=', memberId);
      if (before) {
        const cursor = await db.selectFrom('sends').select(['created_at', 'id']).where('member_id', '=', memberId).where('id', '=', before).executeTakeFirst();
        if (!cursor) return { sends: [], nextBefore: null };
        const at = Number(cursor.created_at);
        query = query.where((eb) => eb.or([eb('created_at', '<', at), eb.and([eb('created_at', '=', at), eb('id', '<', cursor.id)])]));
      }
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
      const page = rows.slice(0, limit).map(toSend);
      return { sends: page, nextBefore: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
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

    async listChunks(sendId) {
      const rows = await db.selectFrom('send_chunks').selectAll().where('send_id', '=', sendId).orderBy('chunk_index').execute();
      return rows.map(toChunk);
    },

    async getChunk(sendId, index) {
      const row = await db.selectFrom('send_chunks').selectAll().where('send_id', '=', sendId).where('chunk_index', '=', index).executeTakeFirst();
      return row ? toChunk(row) : null;
    },

    async chunkTotals(sendIds) {
      const totals = new Map<string, ChunkTotals>();
      if (sendIds.length === 0) return totals;
      const rows = await db
        .selectFrom('send_chunks')
        .select((eb) => ['send_id', 'status', eb.fn.sum<number>('size').as('recipients')])
        .where('send_id', 'in', [...sendIds])
        .groupBy(['send_id', 'status'])
        .execute();
      for (const row of rows) {
        const entry = totals.get(row.send_id) ?? { pending: 0, sending: 0, accepted: 0, failed: 0, uncertain: 0 };
        entry[row.status] += Number(row.recipients);
        totals.set(row.send_id, entry);
      }
      return totals;
    },

    async claimChunk(sendId, index, owner, claim) {
      const result = await db
        .updateTable('send_chunks')
        .set((eb) => ({ status: 'sending', attempts: eb('attempts', '+', 1), claimed_by: claim, updated_at: now() }))
        .where('send_id', '=', sendId)
        .where('chunk_index', '=', index)
        .where('status', '=', 'pending')
        .where((eb) => eb.exists(eb.selectFrom('sends').select('sends.id').where('sends.id', '=', sendId).where('sends.lease_owner', '=', owner)))
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async releaseChunk(sendId, index, errorCode) {
      await db
        .updateTable('send_chunks')
        .set({ status: 'pending', error_code: errorCode, updated_at: now() })
        .where('send_id', '=', sendId)
        .where('chunk_index', '=', index)
        .where('status', '=', 'sending')
        .execute();
    },

    async finishChunk(sendId, index, status, errorCode) {
      await db
        .updateTable('send_chunks')
        .set({ status, error_code: errorCode, updated_at: now() })
        .where('send_id', '=', sendId)
        .where('chunk_index', '=', index)
        .where('status', 'in', ['sending', 'uncertain'])
        .execute();
    },

    async failPendingChunks(sendId, errorCode) {
      const result = await db
        .updateTable('send_chunks')
        .set({ status: 'failed', error_code: errorCode, updated_at: now() })
        .where('send_id', '=', sendId)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async markSendingChunksUncertain(sendId, errorCode) {
      const result = await db
        .updateTable('send_chunks')
        .set({ status: 'uncertain', error_code: errorCode, updated_at: now() })
        .where('send_id', '=', sendId)
        .where('status', '=', 'sending')
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
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
