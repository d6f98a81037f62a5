import type { ChunkStatus, SendStore } from '../sendStore.js';
import { toChunk, type SendDb } from './sendRows.js';

/**
 * The chunk state machine: `pending -> sending` (claimChunk, only for the send's lease owner, once),
 * back to `pending` when the call certainly did not go (releaseChunk), and on to `accepted`, `failed` or
 * `uncertain` (finishChunk, failPendingChunks, markSendingChunksUncertain). Each is a conditional update;
 * the plural forms move the chunks of one `batch` call in one statement.
 */
export type ChunkStates = Pick<SendStore, 'listChunks' | 'getChunk' | 'claimChunk' | 'claimChunks' | 'releaseChunk' | 'releaseChunks' | 'finishChunk' | 'finishChunks' | 'failPendingChunks' | 'markSendingChunksUncertain'>;

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

  const states: ChunkStates = {
    async listChunks(sendId) {
      const rows = await db.selectFrom('send_chunks').selectAll().where('send_id', '=', sendId).orderBy('chunk_index').execute();
      return rows.map(toChunk);
    },

    async getChunk(sendId, index) {
      const row = await db.selectFrom('send_chunks').selectAll().where('send_id', '=', sendId).where('chunk_index', '=', index).executeTakeFirst();
      return row ? toChunk(row) : null;
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

    async claimChunk(sendId, index, owner, claim) {
      return (await states.claimChunks(sendId, [index], owner, claim)).length > 0;
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

    releaseChunk(sendId, index, errorCode) {
      return states.releaseChunks(sendId, [index], errorCode);
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

    finishChunk(sendId, index, status, errorCode) {
      return states.finishChunks(sendId, [index], status, errorCode);
    },

    failPendingChunks: (sendId, errorCode) => moveAll(sendId, 'pending', 'failed', errorCode),

    markSendingChunksUncertain: (sendId, errorCode) => moveAll(sendId, 'sending', 'uncertain', errorCode),
  };
  return states;
}
