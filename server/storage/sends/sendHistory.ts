import type { ChunkTotals, SendRecord, SendStore } from '../sendStore.js';
import { toSend, type SendDb } from './sendRows.js';

/** The history read model: one send, a member's sends page by page, and recipient totals by chunk status. */
export type SendHistory = Pick<SendStore, 'getSend' | 'getSendByKey' | 'listSends' | 'chunkTotals'>;

export function createSendHistory(db: SendDb): SendHistory {
  async function getSendByKey(memberId: string, idempotencyKey: string): Promise<SendRecord | null> {
    const row = await db.selectFrom('sends').selectAll().where('member_id', '=', memberId).where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
    return row ? toSend(row) : null;
  }

  return {
    async getSend(memberId, id) {
      const row = await db.selectFrom('sends').selectAll().where('member_id', '=', memberId).where('id', '=', id).executeTakeFirst();
      return row ? toSend(row) : null;
    },

    getSendByKey,

    async listSends(memberId, { limit, before, tests = 'include' }) {
      let query = db.selectFrom('sends').selectAll().where('member_id', '=', memberId);
      if (tests === 'exclude') query = query.where('test_to_self', '=', 0);
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
  };
}
