import type { SendStore } from '../storage/sendStore.js';
import type { Metrics } from './metrics.js';

/**
 * The send store, counting what its changes mean: sends reaching a final status (`finishSend`, a
 * cancelled schedule or paused send), chunk outcomes (`finishChunks`, `failPendingChunks`, `markSendingChunksUncertain`,
 * `releaseChunks`), and how late each scheduled send was claimed (`claimDueScheduledSends`: its `now`
 * minus the send's time). Counted when the store says the change was made; everything else passes through.
 */
export function instrumentSendStore(store: SendStore, metrics: Pick<Metrics, 'sendsFinished' | 'chunks' | 'schedulerLag'>): SendStore {
  const { sendsFinished, chunks, schedulerLag } = metrics;
  return {
    ...store,
    async finishSend(sendId, status, errorCode) {
      const finished = await store.finishSend(sendId, status, errorCode);
      if (finished) sendsFinished.inc({ status });
      return finished;
    },
    async cancelScheduledSend(memberId, id) {
      const cancelled = await store.cancelScheduledSend(memberId, id);
      if (cancelled) sendsFinished.inc({ status: 'cancelled' });
      return cancelled;
    },
    async cancelScheduledSendsOfPortal(memberId, errorCode) {
      const cancelled = await store.cancelScheduledSendsOfPortal(memberId, errorCode);
      if (cancelled > 0) sendsFinished.inc({ status: 'cancelled' }, cancelled);
      return cancelled;
    },
    async cancelPausedSend(memberId, id) {
      const cancelled = await store.cancelPausedSend(memberId, id);
      if (cancelled) sendsFinished.inc({ status: 'cancelled' });
      return cancelled;
    },
    async finishChunks(sendId, indexes, status, errorCode) {
      await store.finishChunks(sendId, indexes, status, errorCode);
      if (indexes.length > 0) chunks.inc({ outcome: status }, indexes.length);
    },
    async releaseChunks(sendId, indexes, errorCode) {
      await store.releaseChunks(sendId, indexes, errorCode);
      if (indexes.length > 0) chunks.inc({ outcome: 'released' }, indexes.length);
    },
    async failPendingChunks(sendId, errorCode) {
      const failed = await store.failPendingChunks(sendId, errorCode);
      if (failed > 0) chunks.inc({ outcome: 'failed' }, failed);
      return failed;
    },
    async markSendingChunksUncertain(sendId, errorCode) {
      const uncertain = await store.markSendingChunksUncertain(sendId, errorCode);
      if (uncertain > 0) chunks.inc({ outcome: 'uncertain' }, uncertain);
      return uncertain;
    },
    async claimDueScheduledSends(now, lease, limit) {
      const claimed = await store.claimDueScheduledSends(now, lease, limit);
      for (const send of claimed) {
        if (send.sendAt !== null) schedulerLag.observe(Math.max(0, now - send.sendAt) / 1000);
      }
      return claimed;
    },
  };
}
