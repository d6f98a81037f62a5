import type { AppDatabase } from './database.js';
import { createChunkStates } from './sends/chunkStates.js';
import { createSendHistory } from './sends/sendHistory.js';
import { createSendQueue } from './sends/sendQueue.js';
import { createSendRetention } from './sends/retention.js';
import type { SendDb } from './sends/sendRows.js';

/**
 * Sends (the history) and their chunks: the types and the one facade, `createSendStore`. The work is
 * in sends/: sendHistory.ts (the history read model), chunkStates.ts (the chunk state machine: where a
 * chunk is claimed), sendQueue.ts (recording, leases, take-over and scheduled claiming), retention.ts
 * (deleting old finished sends), sendRows.ts (rows to records). Row types live here rather than in
 * schema.ts: only this module and sends/ read or write these tables. Times are epoch ms, booleans 0/1
 * (decision 0002).
 *
 * The state changes that matter for "never twice" are conditional updates (compare-and-set), so they
 * hold across processes on PostgreSQL as well as within one process:
 * - `claimChunks`: `pending -> sending` succeeds for exactly one caller, and only for the process that
 *   holds the send's lease; the claim is named (`claimed_by`), so a claim whose answer was lost with its
 *   connection can be recognised by its maker;
 * - `claimInterruptedSends`: a send whose lease ran out (or was given up) is taken over by exactly one
 *   process;
 * - `renewLease` / `releaseLease`: only the lease's owner (`lease_owner`) renews or gives it up;
 * - `cancelPausedSend`: only a send nobody holds and with no chunk mid-call; once cancelled, the
 *   conditions above keep every process from claiming its chunks or taking it over.
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

export type SendTables = {
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

/** A send as finishSend left it, with its recipients per chunk status, read in the same statement. */
export interface FinishedSend {
  send: SendRecord;
  totals: ChunkTotals;
}

/** What the pipeline gives to record a send; the rest of its record starts empty. */
export type NewSend = Pick<SendRecord, 'id' | 'memberId' | 'senderId' | 'idempotencyKey' | 'requestHash' | 'text' | 'avatar' | 'audience' | 'testToSelf'> & {
  /** The lease of the process recording it (it runs the send at once). */
  leaseUntil: number;
  /** Null or absent: nobody holds it (recovery takes it once `leaseUntil` has passed). */
  leaseOwner?: string | null;
  /** Given: the send is recorded `scheduled` for that time, with no lease. */
  sendAt?: number | null;
};

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
  /** Newest first; `before` is the id of the last send of the previous page; `tests: 'exclude'` leaves out tests to oneself. */
  listSends(memberId: string, options: { limit: number; before?: string; tests?: 'include' | 'exclude' }): Promise<SendPage>;
  /**
   * Records the chunks (`pending`) and moves the send `queued -> sending`, atomically (one statement on
   * PostgreSQL, one transaction on SQLite), if `owner` holds its lease. Answers the chunks recorded under
   * this owner (read back when an earlier call of the same owner did it and only its answer was lost);
   * null when the owner lost the send.
   */
  startSending(sendId: string, chunks: number[][], lease: Lease): Promise<ChunkRecord[] | null>;
  /** Ends a send (final status, error, finish time) and gives up its lease; answers it as it ends, with its chunk totals (null if it is gone). */
  finishSend(sendId: string, status: SendStatus, errorCode: string | null): Promise<FinishedSend | null>;
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
  chunkTotals(sendIds: readonly string[]): Promise<Map<string, ChunkTotals>>;
  /**
   * `pending -> sending` under the name `claim`, counting an attempt, for each of these chunks still
   * pending, if `owner` holds the send's lease: one statement for all (the pushes of one call). Answers
   * the indexes claimed; none when the others have them or the lease is another's.
   */
  claimChunks(sendId: string, indexes: readonly number[], owner: string, claim: string): Promise<number[]>;
  /** `sending -> pending` after Bitrix24 certainly did not take the call (rate limit, connection refused). */
  releaseChunks(sendId: string, indexes: readonly number[], errorCode: string): Promise<void>;
  /** Final state of chunks (from `sending`, or from `uncertain` when a late answer proves acceptance). */
  finishChunks(sendId: string, indexes: readonly number[], status: 'accepted' | 'failed' | 'uncertain', errorCode: string | null): Promise<void>;
  /** Every still-pending chunk -> failed (never attempted); returns how many. */
  failPendingChunks(sendId: string, errorCode: string): Promise<number>;
  /** Every `sending` chunk -> `uncertain` (a crash left them mid-call); returns how many. */
  markSendingChunksUncertain(sendId: string, errorCode: string): Promise<number>;
  /**
   * Unfinished sends (`queued`/`sending`) whose lease ran out — or, with `ignoreLeases`, all of them —
   * each taken over by a conditional update, so one process wins each.
   */
  claimInterruptedSends(lease: Lease, options?: { ignoreLeases?: boolean; limit?: number }): Promise<SendRecord[]>;
  /**
   * Scheduled sends whose time has come (`send_at <= now`), oldest first, each moved to `queued` with a
   * lease by a conditional update: one process wins each. Never one of a portal held as uninstalled.
   */
  claimDueScheduledSends(now: number, lease: Lease, limit?: number): Promise<SendRecord[]>;
  /** `scheduled -> cancelled` for this portal's send; false when it is not (or no longer) scheduled. */
  cancelScheduledSend(memberId: string, id: string): Promise<boolean>;
  /** Every scheduled send of the portal -> `cancelled` with `errorCode` as the reason (the app was removed); how many. */
  cancelScheduledSendsOfPortal(memberId: string, errorCode: string): Promise<number>;
  /**
   * A send Bitrix24 paused (`paused_until` set, no process holding it, no chunk mid-call) ->
   * `cancelled`, its pause and lease cleared; false otherwise (running, resumed, finished). Its chunks
   * stay as they are: `pending` ones were never pushed and never will be (nobody resumes a cancelled
   * send), `accepted` and `uncertain` ones are reported as before.
   */
  cancelPausedSend(memberId: string, id: string): Promise<boolean>;
  /**
   * Retention (sends/retention.ts): deletes at most `limit` sends in a final status that finished before
   * `cutoff` (epoch ms), with their chunks, in one transaction; unfinished sends are never deleted.
   */
  deleteFinishedSendsBefore(cutoff: number, limit: number): Promise<{ sends: number; chunks: number }>;
}

/** A process's hold on a send: who (a pipeline's id) and until when (epoch ms). */
export interface Lease {
  owner: string;
  until: number;
}

export function createSendStore(appDb: AppDatabase, options: { now?: () => number } = {}): SendStore {
  const db: SendDb = appDb.db.withTables<SendTables>();
  const now = options.now ?? Date.now;
  const history = createSendHistory(db);
  const chunkStates = createChunkStates(db, now);
  return {
    multiProcess: appDb.kind === 'postgres',
    ...history,
    ...chunkStates,
    ...createSendQueue(db, appDb.kind, now, { getSendByKey: history.getSendByKey, listChunks: chunkStates.listChunks }),
    ...createSendRetention(db),
  };
}
