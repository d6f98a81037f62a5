import type { ChunkStatus, SendStore } from '../sendStore.js';
import { toChunk, type SendDb } from './sendRows.js';

/**
 * The chunk state machine: `pending -> sending` (claimChunk, only for the send's lease owner, once),
 * back to `pending` when the call certainly did not go (releaseChunk), and on to `accepted`, `failed` or
 * `uncertain` (finishChunk, failPendingChunks, markSendingChunksUncertain). Each is a conditional update.
 */
export type ChunkStates = Pick<SendStore, 'listChunks' | 'getChunk' | 'claimChunk' | 'releaseChunk' | 'finishChunk' | 'failPendingChunks' | 'markSendingChunksUncertain'>;

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

    async getChunk(sendId, index) {
      const row = await db.selectFrom('send_chunks').selectAll().where('send_id', '=', sendId).where('chunk_index', '=', index).executeTakeFirst();
      return row ? toChunk(row) : null;
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

    failPendingChunks: (sendId, errorCode) => moveAll(sendId, 'pending', 'failed', errorCode),

    markSendingChunksUncertain: (sendId, errorCode) => moveAll(sendId, 'sending', 'uncertain', errorCode),
  };
}
