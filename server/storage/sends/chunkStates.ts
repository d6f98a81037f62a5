import type { ChunkStatus, SendStore } from '../sendStore.js';
import { toChunk, type SendDb } from './sendRows.js';

/**
 * The chunk state machine: `pending -> sending` (claimChunks, only for the send's lease owner, once),
 * back to `pending` when the call certainly did not go (releaseChunks), and on to `accepted`, `failed` or
 * `uncertain` (finishChunks, failPendingChunks, markSendingChunksUncertain). Each is one conditional
 * update for all the chunks of one call.
 */
export type ChunkStates = Pick<SendStore, 'listChunks' | 'claimChunks' | 'releaseChunks' | 'finishChunks' | 'failPendingChunks' | 'markSendingChunksUncertain'>;

export function createChunkStates(db: SendDb, now: () => number): ChunkStates {
  /** Every chunk of a send in one status moves to another; answers how many moved. */
  async function moveAll(sendId: string, from: ChunkStatus, to: ChunkStatus, errorCode: string): Promise<number> {
    const result = await db
      .updateTable('send_chunks')
      .set({ status: to, error_code: errorCode, updated_at: now() })
      .where('send_id', '=', sendId)
      .where('status', '=', from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  return {
    async listChunks(sendId) {
      const rows = await db.selectFrom('send_chunks').selectAll().where('send_id', '=', sendId).orderBy('chunk_index').execute();
      return rows.map(toChunk);
    },

    async claimChunks(sendId, indexes, owner, claim) {
      if (indexes.length === 0) return [];
      const rows = await db
        .updateTable('send_chunks')
        .set((eb) => ({ status: 'sending', attempts: eb('attempts', '+', 1), claimed_by: claim, updated_at: now() }))
        .where('send_id', '=', sendId)
        .where('chunk_index', 'in', [...indexes])
        .where('status', '=', 'pending')
        .where((eb) => eb.exists(eb.selectFrom('sends').select('sends.id').where('sends.id', '=', sendId).where('sends.lease_owner', '=', owner)))
        .returning('chunk_index')
        .execute();
      return rows.map((row) => Number(row.chunk_index)).sort((a, b) => a - b);
    },

    async releaseChunks(sendId, indexes, errorCode) {
      if (indexes.length === 0) return;
      await db
        .updateTable('send_chunks')
        .set({ status: 'pending', error_code: errorCode, updated_at: now() })
        .where('send_id', '=', sendId)
        .where('chunk_index', 'in', [...indexes])
        .where('status', '=', 'sending')
        .execute();
    },

    async finishChunks(sendId, indexes, status, errorCode) {
      if (indexes.length === 0) return;
      await db
        .updateTable('send_chunks')
        .set({ status, error_code: errorCode, updated_at: now() })
        .where('send_id', '=', sendId)
        .where('chunk_index', 'in', [...indexes])
        .where('status', 'in', ['sending', 'uncertain'])
        .execute();
    },

    failPendingChunks: (sendId, errorCode) => moveAll(sendId, 'pending', 'failed', errorCode),

    markSendingChunksUncertain: (sendId, errorCode) => moveAll(sendId, 'sending', 'uncertain', errorCode),
  };
}
