import type { Kysely, Selectable } from 'kysely';
import type { DatabaseSchema } from '../schema.js';
import type { ChunkRecord, SendChunksTable, SendRecord, SendsTable, SendTables } from '../sendStore.js';

/** The sends and send_chunks tables as the send store's parts see them, and their rows as records. */
export type SendDb = Kysely<DatabaseSchema & SendTables>;

export function toSend(row: Selectable<SendsTable>): SendRecord {
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

export function toChunk(row: Selectable<SendChunksTable>): ChunkRecord {
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
