import { FINAL_SEND_STATUSES, type SendStore } from '../sendStore.js';
import type { SendDb } from './sendRows.js';

/**
 * Retention: the history keeps a send for a configured time after it ended (decision 0013). Only a
 * send in a final status (`sent`, `partly_failed`, `failed`, `cancelled`) whose `finished_at` is before
 * the cutoff is deleted, with its chunks, in one transaction per batch. A send still `queued`,
 * `scheduled` or `sending` (also one paused by Bitrix24, or one whose chunks are `uncertain` while it
 * runs) has no finish time and is never touched, however old. Final statuses are terminal, so deleting
 * one races with nothing; two processes sweeping at once delete each row once (the second finds none).
 */
export type SendRetention = Pick<SendStore, 'deleteFinishedSendsBefore'>;

export function createSendRetention(db: SendDb): SendRetention {
  return {
    async deleteFinishedSendsBefore(cutoff, limit) {
      const finishedBeforeCutoff = (trx: SendDb) =>
        trx
          .selectFrom('sends')
          .select('id')
          .where('status', 'in', FINAL_SEND_STATUSES)
          .where('finished_at', 'is not', null)
          .where('finished_at', '<', Math.trunc(cutoff));
      return db.transaction().execute(async (trx) => {
        const batch = await finishedBeforeCutoff(trx)
          .orderBy('finished_at')
          .orderBy('id')
          .limit(Math.max(1, Math.trunc(limit)))
          .execute();
        if (batch.length === 0) return { sends: 0, chunks: 0 };
        const ids = batch.map((row) => row.id);
        // The conditions are checked again by the deletes themselves: never a send that is not final and old.
        const chunks = await trx.deleteFrom('send_chunks').where('send_id', 'in', finishedBeforeCutoff(trx).where('id', 'in', ids)).executeTakeFirst();
        const sends = await trx.deleteFrom('sends').where('id', 'in', finishedBeforeCutoff(trx).where('id', 'in', ids)).executeTakeFirst();
        return { sends: Number(sends.numDeletedRows), chunks: Number(chunks.numDeletedRows) };
      });
    },
  };
}
