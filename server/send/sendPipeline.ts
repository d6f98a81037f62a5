import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import { BitrixError } from '../bitrix/restClient.js';
import { isOperatingTimeBlock, isRateLimitRefusal, pauseEnd, retrying } from '../bitrix/retryPolicy.js';
import { alteredInsideBatch, BATCH_LIMIT, runBatch, type CallRest } from '../bitrix/batch.js';
import { OperatingTimes } from '../bitrix/operatingTime.js';
import type { PortalGateway } from '../bitrix/portalGateway.js';
import type { ChunkRecord, ChunkTotals, Lease, SendRecord, SendStatus, SendStore } from '../storage/sendStore.js';
import { isTransientDatabaseError } from '../storage/database.js';
import { createPortalRateLimiter, type PortalRateLimiter, type RateLimit } from './rateLimiter.js';
import { OUTCOME_UNKNOWN, SENDER_NOT_ADMIN } from './sendErrors.js';
import { requestHash, timeOrderedIdFactory } from './sendIds.js';
import { classifyPushFailure, errorCodeOf, finalStatus, splitIntoChunks, type CallOutcome } from './pushOutcome.js';
import { NODE_TIMERS, type IntervalTimers, type TimerHandle } from './timers.js';

/**
 * The send pipeline: record -> resolve the audience -> record chunks -> push each chunk once.
 *
 * Every push goes out with the sending administrator's own stored authorization. A chunk is claimed
 * (`pending -> sending`, a conditional update) before its call, and is retried only when Bitrix24
 * certainly did not take it: QUERY_LIMIT_EXCEEDED (refused before the method runs) or a connection
 * that was never made. A call that may have reached Bitrix24 without a clear answer (HTTP 500
 * INTERNAL_SERVER_ERROR, a lost connection, a timeout) leaves the chunk `uncertain`: not repeated,
 * reported. Bitrix24's `true` means accepted, not delivered, and the statuses say no more than that.
 *
 * A process owns the sends it runs through a lease (`lease_owner`, `lease_until`) that a heartbeat
 * renews while it works, also during a long call; a crashed process's lease runs out and another
 * process's recovery takes the send over. A chunk is claimed only by the lease's owner, only after the
 * rate limit let its call go, so a crash leaves at most the one chunk whose call may have started
 * `sending` (recovery makes it `uncertain`). A stopping process claims nothing more, records the call in
 * flight and gives its leases up, so the pending rest goes on elsewhere at once. The database writes
 * around a call are tried again on a fresh connection when the connection was lost: an accepted chunk
 * is recorded accepted, not left to look interrupted.
 */

export const PUSH_METHOD = 'pull.application.push.add';
/**
 * Recipients per push. USER_ID has no documented maximum (decision 0010, fact 19), but inside a `batch`
 * each push is a query string the portal parses with PHP's parse_str, which keeps at most max_input_vars
 * (1,000 by default) variables (decision 0010, fact 24): 990 ids plus AVATAR and TEXT stay under it.
 */
export const DEFAULT_CHUNK_SIZE = 990;
/** Pushes per REST call: one chunk alone, or up to a `batch` of 50 (decision 0005, "Pushes in batch"). */
export const DEFAULT_PUSHES_PER_CALL = BATCH_LIMIT;
/** Attempts per chunk for failures that certainly did not reach Bitrix24. */
export const DEFAULT_MAX_ATTEMPTS = 6;
/**
 * How long a running send stays its process's without a sign of life. A crashed process's send is taken
 * over when this has passed since its last heartbeat, at the next recovery tick (5 s): within 20 s.
 */
export const DEFAULT_LEASE_MS = 15_000;
/** How often a working process renews its leases: three chances per lease before another process may take over. */
export const DEFAULT_HEARTBEAT_MS = 5_000;
/**
 * Waits before trying a database write again after a lost connection (about 11 s in all): a failover
 * or a restart of PostgreSQL usually ends within that, and the lease outlives it.
 */
export const DEFAULT_DATABASE_RETRY_MS: readonly number[] = [100, 200, 400, 800, 1_600, 3_200, 5_000];

export type { CallRest };
/** Active employee ids of an audience (server/audience), read with the sender's authorization. */
export type ResolveAudience = (callRest: CallRest, audience: unknown, context: { memberId: string }) => Promise<number[]>;

export interface SendPipelineDeps {
  store: SendStore;
  gateway: Pick<PortalGateway, 'callAsUser'>;
  resolveAudience: ResolveAudience;
  logger: Logger;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  rateLimit?: RateLimit;
  /** A limiter shared with other callers of the same portals (audience preview, search); else one of our own. */
  limiter?: PortalRateLimiter;
  chunkSize?: number;
  /** Chunks pushed in one REST call (a `batch` when more than one; default DEFAULT_PUSHES_PER_CALL, at most 50). */
  pushesPerCall?: number;
  maxAttempts?: number;
  /** Wait before attempt n+1 (n >= 1). Default: 1 s, 2 s, 4 s … capped at 30 s. */
  backoffMs?: (attempt: number) => number;
  leaseMs?: number;
  /** How often the leases of the sends this process works on are renewed (default DEFAULT_HEARTBEAT_MS). */
  heartbeatMs?: number;
  /** The heartbeat's timer functions (tests fire them by hand). */
  heartbeatTimers?: IntervalTimers;
  /** Waits between attempts of a database write after a lost connection (default DEFAULT_DATABASE_RETRY_MS). */
  databaseRetryMs?: readonly number[];
  /** This process's name on the leases it holds (default a random UUID). */
  ownerId?: string;
  /** What the portals' successful answers said of each method's operating time (default: this pipeline's own memory). */
  operatingTimes?: OperatingTimes;
  newId?: () => string;
}

export interface SendRequest {
  memberId: string;
  senderId: number;
  idempotencyKey: string;
  text: string;
  avatar?: string | null;
  audience?: unknown;
  testToSelf?: boolean;
  /** Epoch ms: record the send as scheduled for then instead of sending now. */
  sendAt?: number | null;
}

export interface Submission {
  send: SendRecord;
  /** False when the idempotency key was already used (nothing new was started). */
  created: boolean;
  /** Settles with the send as it stands when its run ends (at once for a finished or foreign send). */
  done: Promise<SendRecord>;
}

/** The idempotency key was used before for a different message. */
export class IdempotencyConflictError extends Error {
  constructor(readonly send: SendRecord) {
    super('idempotency key reused for a different message');
    this.name = 'IdempotencyConflictError';
  }
}

export interface RecoveryOutcome {
  resumed: number;
  uncertainChunks: number;
}

export interface SendPipeline {
  /** The name this pipeline's process holds leases under. */
  readonly ownerId: string;
  submit(request: SendRequest): Promise<Submission>;
  /**
   * Takes over sends a crash (or a stalled process) left unfinished or a stopping process gave up:
   * chunks caught mid-call become `uncertain` (never resent), `pending` chunks are sent, and a send still
   * `queued` starts over (it had sent nothing). Those whose lease ran out or was given up are taken; at
   * start-up on SQLite (one process: nobody else can be running them) every unfinished one is.
   * `whileRunning`: the periodic look of a process that is up (leases respected on SQLite too).
   */
  recoverInterruptedSends(options?: { whileRunning?: boolean }): Promise<RecoveryOutcome>;
  /**
   * Starts the scheduled sends whose time has come (each claimed by one process), re-checking just
   * before each that its sender is still an administrator. Resolves with how many it started; their
   * runs go on (see `idle`).
   */
  runDueScheduledSends(): Promise<number>;
  /** Resolves when every run started by this pipeline has ended (tests, shutdown). */
  idle(): Promise<void>;
  /** The chunk totals of a send record this pipeline's run finished (read in the same statement), else null. */
  totalsOf(send: SendRecord): ChunkTotals | null;
  /**
   * Shutdown: from now on nothing new is claimed (no new send, chunk, scheduled send or recovery); each
   * run lets the call it has in flight finish, records its outcome and gives its lease up, so another
   * process (or the next start) resumes the pending chunks at once. Resolves when every run has ended.
   */
  stop(): Promise<void>;
}

/**
 * `skipped`: another process has the chunk; `stopped`: this process stops or lost the send's lease;
 * `paused`: Bitrix24 blocked the method until `until`.
 */
type GroupOutcome =
  | { kind: 'done' }
  | { kind: 'fatal'; code: string }
  | { kind: 'skipped' }
  | { kind: 'stopped' }
  | { kind: 'paused'; until: number };

/** What a run recorded of its chunks (the states it wrote). */
type Recorded = Map<number, Pick<ChunkRecord, 'status' | 'errorCode'>>;

/** What is logged of a database error: never the connection's parameters. */
function databaseErrorFields(error: unknown): { message: string; code?: string } {
  if (!(error instanceof Error)) return { message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { message: error.message, ...(typeof code === 'string' ? { code } : {}) };
}

export function createSendPipeline(deps: SendPipelineDeps): SendPipeline {
  const { store, gateway, logger } = deps;
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const chunkSize = deps.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const pushesPerCall = Math.max(1, Math.min(BATCH_LIMIT, deps.pushesPerCall ?? DEFAULT_PUSHES_PER_CALL));
  const maxAttempts = deps.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const backoffMs = deps.backoffMs ?? ((attempt: number) => Math.min(30_000, 1000 * 2 ** (attempt - 1)));
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  const heartbeatMs = deps.heartbeatMs ?? Math.min(DEFAULT_HEARTBEAT_MS, Math.max(1, Math.floor(leaseMs / 3)));
  const timers = deps.heartbeatTimers ?? NODE_TIMERS;
  const databaseRetryMs = deps.databaseRetryMs ?? DEFAULT_DATABASE_RETRY_MS;
  const owner = deps.ownerId ?? randomUUID();
  const newId = deps.newId ?? timeOrderedIdFactory(now);
  const limiter: PortalRateLimiter = deps.limiter ?? createPortalRateLimiter({ limit: deps.rateLimit, now, sleep });
  const operatingTimes = deps.operatingTimes ?? new OperatingTimes();

  /** The REST calls of a send, each successful answer's operating time remembered for a later block (../bitrix/operatingTime.ts). */
  function remembering(memberId: string, call: CallRest): CallRest {
    return async (method, params) => {
      const answer = await call(method, params);
      operatingTimes.rememberAnswer(memberId, method, params, answer);
      return answer;
    };
  }

  /** Runs of this process, by send id: a replay waits for the first request's run. */
  const running = new Map<string, Promise<SendRecord>>();
  /** Submissions between "key seen" and "run registered", by portal and key. */
  const submitting = new Map<string, Promise<Submission>>();
  /** Sends whose lease this process holds while a run works on them: the heartbeat renews these. */
  const held = new Set<string>();

  let stopping = false;
  /** Waits that end early when the process stops (see unlessStopped). */
  const stopListeners = new Set<() => void>();

  const lease = (): Lease => ({ owner, until: now() + leaseMs });
  /** Whether a run may claim the send's next chunk: the process is not stopping and still holds the lease. */
  const mayClaim = (sendId: string) => !stopping && held.has(sendId);
  /** The promise's value, or STOPPED as soon as the process stops (waits for a rate limit or a backoff). */
  function unlessStopped<T>(promise: Promise<T>): Promise<T | typeof STOPPED> {
    if (stopping) return Promise.resolve(STOPPED);
    return new Promise((resolve, reject) => {
      const onStop = () => resolve(STOPPED);
      stopListeners.add(onStop);
      promise.then(
        (value) => {
          stopListeners.delete(onStop);
          resolve(value);
        },
        (error: unknown) => {
          stopListeners.delete(onStop);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  let heartbeat: TimerHandle | null = null;
  let beating: Promise<void> | null = null;

  async function beat(): Promise<void> {
    for (const sendId of [...held]) {
      try {
        if (!(await store.renewLease(sendId, lease()))) {
          // Another process took the send over (our lease had run out) or it ended: stop working on it.
          held.delete(sendId);
          logger.warn({ sendId }, 'send lease lost: another process has taken the send over');
        }
      } catch (error) {
        logger.warn({ err: databaseErrorFields(error), sendId }, 'renewing a send lease failed; trying again at the next heartbeat');
      }
    }
  }

  function hold(sendId: string): void {
    held.add(sendId);
    if (heartbeat) return;
    heartbeat = timers.setInterval(() => {
      beating ??= beat().finally(() => {
        beating = null;
      });
    }, heartbeatMs);
    // The timer alone must not keep a process (or a test run) alive.
    heartbeat.unref();
  }

  function letGo(sendId: string): void {
    held.delete(sendId);
    if (held.size === 0 && heartbeat) {
      timers.clearInterval(heartbeat);
      heartbeat = null;
    }
  }

  /**
   * A database operation, tried again on a fresh connection while the failure is the connection's (lost,
   * refused, shut down): a failover or a restart of PostgreSQL must not end a run half-recorded.
   */
  async function persist<T>(what: string, sendId: string, operation: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await operation();
      } catch (error) {
        const wait = databaseRetryMs[attempt];
        if (wait === undefined || !isTransientDatabaseError(error)) throw error;
        logger.warn({ err: databaseErrorFields(error), sendId, what, attempt: attempt + 1 }, 'database connection lost; trying again');
        await sleep(wait);
      }
    }
  }

  /** Starts a run on a send whose lease this process has just taken. */
  function run(send: SendRecord, body: () => Promise<SendRecord>): Promise<SendRecord> {
    hold(send.id);
    const tracked = guarded(send, Promise.resolve().then(body)).finally(() => {
      running.delete(send.id);
      letGo(send.id);
    });
    running.set(send.id, tracked);
    return tracked;
  }

  /**
   * REST for reads (audience, the sender's rights): rate-limited, retried while Bitrix24 says the limit
   * is exceeded, the connection fails, or our database (the stored authorization) cannot be reached.
   */
  function readCaller(memberId: string, userId: number): CallRest {
    const call = remembering(memberId, (method, params) => gateway.callAsUser(memberId, userId, method, params));
    return (method, params) =>
      retrying(
        async () => {
          await limiter.acquire(memberId);
          return call(method, params);
        },
        {
          retryable: (error) => isRateLimitRefusal(error) || (error instanceof BitrixError && error.code === 'NETWORK_ERROR') || isTransientDatabaseError(error),
          waitMs: (tried) => (tried < maxAttempts ? backoffMs(tried) : undefined),
          sleep,
        },
      );
  }

  /** Chunk totals read with the sends this pipeline finished, by record (the API answers with them, no read needed). */
  const finishedTotals = new WeakMap<SendRecord, ChunkTotals>();

  /** Ends the send; answers it as finishSend returned it, its totals remembered. */
  async function finish(send: SendRecord, status: SendStatus, errorCode: string | null): Promise<SendRecord> {
    const finished = await persist('finishing a send', send.id, () => store.finishSend(send.id, status, errorCode));
    if (!finished) return reload(send);
    finishedTotals.set(finished.send, finished.totals);
    return finished.send;
  }

  async function reload(send: SendRecord): Promise<SendRecord> {
    return (await persist('reading a send', send.id, () => store.getSend(send.memberId, send.id))) ?? send;
  }

  /** The end of a run that stopped before the send finished: give the lease up (if still ours) so another process resumes it at once. */
  async function handOver(send: SendRecord): Promise<SendRecord> {
    if (held.has(send.id)) {
      letGo(send.id);
      if (await persist('giving a lease up', send.id, () => store.releaseLease(send.id, owner))) {
        logger.info({ sendId: send.id, memberId: send.memberId }, 'stopping: send handed over; another process (or the next start) resumes its pending chunks');
      }
    }
    return reload(send);
  }

  /**
   * When a send Bitrix24 paused (blocking `method`) may go on: when the block said, else when the
   * method's last successful answer on the portal said, else after the default pause; never in the
   * past, never beyond MAX_PAUSE_MS (retryPolicy.ts `pauseEnd`).
   */
  function pauseUntil(memberId: string, method: string, resetAt: number | null): number {
    return pauseEnd(resetAt, now(), operatingTimes.lastResetAt(memberId, method));
  }

  /**
   * Bitrix24 blocked a method the send needs: the lease is given up until then, so whichever process
   * looks first after it (or this one after a restart) resumes the pending chunks; nothing is lost.
   */
  async function pause(send: SendRecord, until: number): Promise<SendRecord> {
    letGo(send.id);
    await persist('pausing a send', send.id, () => store.pauseSend(send.id, owner, until));
    logger.warn({ sendId: send.id, memberId: send.memberId, pausedUntil: new Date(until).toISOString() }, 'Bitrix24 blocked a method the send needs (OPERATION_TIME_LIMIT): send paused until then');
    return reload(send);
  }

  async function execute(send: SendRecord): Promise<SendRecord> {
    if (!mayClaim(send.id)) return handOver(send);
    let recipients: number[];
    try {
      recipients = send.testToSelf ? [send.senderId] : await deps.resolveAudience(readCaller(send.memberId, send.senderId), send.audience, { memberId: send.memberId });
    } catch (error) {
      if (isOperatingTimeBlock(error)) return pause(send, pauseUntil(send.memberId, (error as BitrixError).method, (error as BitrixError).resetAt));
      const code = errorCodeOf(error);
      if (code === 'INTERNAL_ERROR') logger.error({ err: error, sendId: send.id, memberId: send.memberId }, 'audience resolution failed');
      else logger.warn({ sendId: send.id, memberId: send.memberId, code }, 'audience resolution failed');
      return finish(send, 'failed', code);
    }
    const unique = [...new Set(recipients.filter((id) => Number.isSafeInteger(id) && id > 0))].sort((a, b) => a - b);
    if (unique.length === 0) {
      return finish(send, 'failed', 'NO_RECIPIENTS');
    }
    const chunks = splitIntoChunks(unique, chunkSize);
    const recorded = await persist('recording chunks', send.id, () => store.startSending(send.id, chunks, lease()));
    if (!recorded) {
      // Our lease ran out while the audience was read and another process took the send over.
      letGo(send.id);
      return reload(send);
    }
    return pushChunks(send, recorded);
  }

  /**
   * Pushes the pending chunks one by one, then finishes the send. `recorded`: the chunks as this run just
   * recorded them; while nobody else touches them (no chunk found taken), the run knows their states
   * without reading them back (issue 14: every statement is a round trip).
   */
  async function pushChunks(send: SendRecord, recorded?: readonly ChunkRecord[]): Promise<SendRecord> {
    const chunks = recorded ?? (await persist('listing chunks', send.id, () => store.listChunks(send.id)));
    const known = new Map(chunks.map((chunk) => [chunk.index, chunk]));
    let knowsAll = recorded !== undefined;
    let fatal: string | null = null;
    let interrupted = false;
    const pending = chunks.filter((chunk) => chunk.status === 'pending');
    // A text (or avatar) the portal would rewrite inside `batch` goes out unchanged in direct calls, one per chunk.
    const perCall = alteredInsideBatch(pushParams(send, [])) ? 1 : pushesPerCall;
    for (let start = 0; start < pending.length && !fatal; start += perCall) {
      const recordedNow: Recorded = new Map();
      const outcome = await pushGroup(send, pending.slice(start, start + perCall), recordedNow);
      for (const [index, state] of recordedNow) known.set(index, { ...known.get(index)!, ...state });
      if (outcome.kind === 'stopped') {
        interrupted = true;
        break;
      }
      if (outcome.kind === 'paused') return pause(send, outcome.until);
      if (outcome.kind === 'skipped') knowsAll = false;
      if (outcome.kind === 'fatal') fatal = outcome.code;
    }
    if (fatal) {
      // After a refusal every call would fail alike: the rest is never attempted, so it is safe to mark failed.
      const code = fatal;
      await persist('failing the rest', send.id, () => store.failPendingChunks(send.id, code));
      for (const [index, chunk] of known) if (chunk.status === 'pending') known.set(index, { ...chunk, status: 'failed', errorCode: code });
    }
    if (interrupted && !fatal) return handOver(send);
    const final = knowsAll ? [...known.values()] : await persist('listing chunks', send.id, () => store.listChunks(send.id));
    if (final.some((chunk) => chunk.status === 'pending' || chunk.status === 'sending')) {
      // Another process holds part of this send (it took over after our lease ran out): it finishes it.
      return reload(send);
    }
    const { status, errorCode } = finalStatus(final);
    const finished = await finish(send, status, errorCode);
    logger.info({ sendId: send.id, memberId: send.memberId, status, errorCode, recipients: finished.recipientCount, chunks: final.length }, 'send finished');
    return finished;
  }

  /**
   * Claims chunks for one call, in one statement. A claim whose answer was lost with its connection is
   * recognised by its name (it went through: the call may go) or found pending (it did not: claim again).
   * Answers the indexes claimed (none: someone else has them), or 'lost' when the lease is another's.
   */
  async function claim(send: SendRecord, indexes: readonly number[]): Promise<number[] | 'lost'> {
    const name = `${owner}/${randomUUID()}`;
    for (let attempt = 0; ; attempt += 1) {
      try {
        const claimed = await store.claimChunks(send.id, indexes, owner, name);
        if (claimed.length > 0) return claimed;
        break;
      } catch (error) {
        const wait = databaseRetryMs[attempt];
        if (wait === undefined || !isTransientDatabaseError(error)) throw error;
        logger.warn({ err: databaseErrorFields(error), sendId: send.id, what: 'claiming chunks', attempt: attempt + 1 }, 'database connection lost; trying again');
        await sleep(wait);
        const current = (await persist('reading chunks', send.id, () => store.listChunks(send.id))).filter((chunk) => indexes.includes(chunk.index));
        const mine = current.filter((chunk) => chunk.status === 'sending' && chunk.claimedBy === name).map((chunk) => chunk.index);
        if (mine.length > 0) return mine;
        if (!current.some((chunk) => chunk.status === 'pending')) return [];
      }
    }
    // Not pending any more, or the lease is another process's now.
    const current = await reload(send);
    if (current.leaseOwner !== owner) {
      letGo(send.id);
      return 'lost';
    }
    return [];
  }

  /** A push's parameters. TEXT goes last: a portal that cut the query short would refuse it (TEXT_ERROR), never push to part of the chunk. */
  function pushParams(send: SendRecord, userIds: readonly number[]): Record<string, unknown> {
    return { USER_ID: userIds, ...(send.avatar ? { AVATAR: send.avatar } : {}), TEXT: send.text };
  }

  /** What Bitrix24 answered for one push: `true` is accepted, anything else unknown. */
  const pushAnswer = (result: unknown): CallOutcome => (result === true ? { kind: 'accepted' } : { kind: 'uncertain', code: 'BAD_ANSWER' });

  /**
   * One REST call for these chunks: the push itself for one, a `batch` of pushes (halt 0) for several.
   * Never repeated once it may have reached Bitrix24; a lost `batch` answer makes every push in it
   * uncertain (decision 0005, "Pushes in batch").
   */
  async function callPushes(send: SendRecord, chunks: readonly ChunkRecord[]): Promise<CallOutcome[]> {
    const call = remembering(send.memberId, (method, params) => gateway.callAsUser(send.memberId, send.senderId, method, params, { repeatable: false }));
    try {
      if (chunks.length === 1) return [pushAnswer((await call(PUSH_METHOD, pushParams(send, chunks[0]!.userIds))).result)];
      const answers = await runBatch(call, chunks.map((chunk) => ({ method: PUSH_METHOD, params: pushParams(send, chunk.userIds) })));
      return answers.map((answer) => (answer.ok ? pushAnswer(answer.result) : classifyPushFailure(answer.error)));
    } catch (error) {
      const outcome = classifyPushFailure(error);
      if (outcome.kind === 'uncertain' && outcome.code === OUTCOME_UNKNOWN && !(error instanceof BitrixError)) {
        logger.error({ err: error, sendId: send.id, chunks: chunks.map((chunk) => chunk.index) }, 'push call failed on our side');
      }
      return chunks.map(() => outcome);
    }
  }

  /**
   * Pushes a group of pending chunks in one call (again, for those Bitrix24 certainly did not take, up
   * to maxAttempts) and records each chunk's outcome; `recorded` receives the states written.
   */
  async function pushGroup(send: SendRecord, group: readonly ChunkRecord[], recorded: Recorded): Promise<GroupOutcome> {
    let waiting = [...group];
    let skipped = false;
    for (let attempt = 1; ; attempt += 1) {
      // The rate limit first: a chunk is `sending` only while its call is about to go or going.
      if (!mayClaim(send.id) || (await unlessStopped(limiter.acquire(send.memberId))) === STOPPED) return { kind: 'stopped' };
      if (!mayClaim(send.id)) return { kind: 'stopped' };
      const claimed = await claim(send, waiting.map((chunk) => chunk.index));
      if (claimed === 'lost') return { kind: 'stopped' };
      const mine = waiting.filter((chunk) => claimed.includes(chunk.index));
      // Someone else holds the others (another process took the send over): they are theirs to finish.
      if (mine.length < waiting.length) skipped = true;
      if (mine.length === 0) return { kind: 'skipped' };

      const outcomes = await callPushes(send, mine);
      const again: ChunkRecord[] = [];
      const paused: ChunkRecord[] = [];
      let pausedUntil = 0;
      let fatal: string | null = null;
      const finals = new Map<string, { status: 'accepted' | 'failed' | 'uncertain'; errorCode: string | null; indexes: number[] }>();
      mine.forEach((chunk, position) => {
        const outcome = outcomes[position]!;
        if (outcome.kind === 'pause') {
          paused.push(chunk);
          pausedUntil = Math.max(pausedUntil, pauseUntil(send.memberId, PUSH_METHOD, outcome.resetAt));
          return;
        }
        if (outcome.kind === 'retry' && attempt < maxAttempts) {
          again.push(chunk);
          return;
        }
        // Retries used up: the limit or the network persists, so stop rather than hammer the portal.
        if (outcome.kind === 'retry' || outcome.kind === 'fatal') fatal ??= outcome.code;
        const [status, errorCode] = outcome.kind === 'accepted' ? (['accepted', null] as const) : outcome.kind === 'uncertain' ? (['uncertain', outcome.code] as const) : (['failed', outcome.code] as const);
        const key = `${status}\n${errorCode ?? ''}`;
        const entry = finals.get(key) ?? { status, errorCode, indexes: [] };
        entry.indexes.push(chunk.index);
        finals.set(key, entry);
        if (outcome.kind !== 'accepted') logger.warn({ sendId: send.id, memberId: send.memberId, chunk: chunk.index, outcome: outcome.kind, code: outcome.code }, 'push chunk not accepted');
      });
      for (const { status, errorCode, indexes } of finals.values()) {
        await persist('recording chunks', send.id, () => store.finishChunks(send.id, indexes, status, errorCode));
        for (const index of indexes) recorded.set(index, { status, errorCode });
      }
      const releases: Array<[ChunkRecord[], string]> = [];
      if (paused.length > 0) releases.push([paused, (outcomes[mine.indexOf(paused[0]!)] as { code: string }).code]);
      if (again.length > 0) releases.push([again, (outcomes[mine.indexOf(again[0]!)] as { code: string }).code]);
      for (const [chunks, code] of releases) {
        await persist('releasing chunks', send.id, () => store.releaseChunks(send.id, chunks.map((chunk) => chunk.index), code));
        for (const chunk of chunks) recorded.set(chunk.index, { status: 'pending', errorCode: code });
      }
      if (fatal) return { kind: 'fatal', code: fatal };
      if (paused.length > 0) return { kind: 'paused', until: pausedUntil };
      if (again.length === 0) return skipped ? { kind: 'skipped' } : { kind: 'done' };
      logger.info({ sendId: send.id, chunks: again.map((chunk) => chunk.index), attempt, code: releases.at(-1)![1] }, 'push not taken by Bitrix24; retrying');
      if ((await unlessStopped(sleep(backoffMs(attempt)))) === STOPPED) return { kind: 'stopped' };
      waiting = again;
    }
  }

  /** A run that failed on our side (e.g. the database): claimed chunks stay `sending`, which recovery makes `uncertain`. */
  function guarded(send: SendRecord, started: Promise<SendRecord>): Promise<SendRecord> {
    return started.catch(async (error: unknown) => {
      logger.error({ err: error, sendId: send.id }, 'send run failed; recovery takes it over when its lease runs out');
      return reload(send).catch(() => send);
    });
  }

  async function submitOnce(request: SendRequest): Promise<Submission> {
    const hash = requestHash(request);
    const first = lease();
    const { send, created } = await store.createSend({
      id: newId(),
      memberId: request.memberId,
      senderId: request.senderId,
      idempotencyKey: request.idempotencyKey,
      requestHash: hash,
      text: request.text,
      avatar: request.avatar ?? null,
      audience: request.testToSelf ? null : (request.audience ?? null),
      testToSelf: Boolean(request.testToSelf),
      leaseUntil: first.until,
      leaseOwner: first.owner,
      sendAt: request.sendAt ?? null,
    });
    if (!created) {
      if (send.requestHash !== hash) throw new IdempotencyConflictError(send);
      return { send, created, done: running.get(send.id) ?? Promise.resolve(send) };
    }
    // A scheduled send waits for runDueScheduledSends.
    if (send.status === 'scheduled') return { send, created, done: Promise.resolve(send) };
    if (stopping) {
      // Recorded, not started: another process (or the next start) runs it.
      await store.releaseLease(send.id, owner);
      return { send, created, done: Promise.resolve(send) };
    }
    return { send, created, done: run(send, () => execute(send)) };
  }

  async function recoverInterruptedSends(options: { whileRunning?: boolean } = {}): Promise<RecoveryOutcome> {
    if (stopping) return { resumed: 0, uncertainChunks: 0 };
    const claimed = await store.claimInterruptedSends(lease(), { ignoreLeases: !store.multiProcess && !options.whileRunning });
    let uncertainChunks = 0;
    const runs: Promise<SendRecord>[] = [];
    for (const send of claimed) {
      if (running.has(send.id)) {
        // Our own run, whose lease ran out (the heartbeat could not reach the database): ours again.
        hold(send.id);
        continue;
      }
      if (send.status === 'queued') {
        // A scheduled send claimed by a process that died before it began: its sender is checked as if on time.
        runs.push(run(send, () => (send.sendAt === null ? execute(send) : startScheduled(send))));
        continue;
      }
      let uncertain: number;
      try {
        uncertain = await store.markSendingChunksUncertain(send.id, 'INTERRUPTED');
      } catch (error) {
        // Ours now, but not resumable yet: the lease runs out and the next look tries again.
        logger.error({ err: databaseErrorFields(error), sendId: send.id }, 'recovering an interrupted send failed');
        continue;
      }
      if (uncertain > 0) logger.warn({ sendId: send.id, memberId: send.memberId, chunks: uncertain }, 'send interrupted mid-call: chunks marked uncertain, not resent');
      uncertainChunks += uncertain;
      runs.push(run(send, () => pushChunks(send)));
    }
    if (claimed.length > 0) logger.info({ resumed: claimed.length, uncertainChunks }, 'interrupted sends recovered');
    await Promise.all(runs);
    return { resumed: claimed.length, uncertainChunks };
  }

  /**
   * The sender's rights as Bitrix24 sees them now, with their own stored authorization (rate-limited;
   * a rate limit or a refused connection is retried like any read, so a passing hiccup does not fail it).
   */
  async function stillAdmin(send: SendRecord): Promise<true | string> {
    try {
      const { result } = await readCaller(send.memberId, send.senderId)('profile', {});
      return (result as { ADMIN?: unknown } | null)?.ADMIN === true ? true : SENDER_NOT_ADMIN;
    } catch (error) {
      return errorCodeOf(error);
    }
  }

  async function startScheduled(send: SendRecord): Promise<SendRecord> {
    if (!mayClaim(send.id)) return handOver(send);
    const check = await stillAdmin(send);
    if (check !== true) {
      logger.warn({ sendId: send.id, memberId: send.memberId, code: check }, 'scheduled send not started: its sender cannot send now');
      return finish(send, 'failed', check);
    }
    return execute(send);
  }

  async function runDueScheduledSends(): Promise<number> {
    if (stopping) return 0;
    const due = await store.claimDueScheduledSends(now(), lease());
    for (const send of due) void run(send, () => startScheduled(send));
    if (due.length > 0) logger.info({ started: due.length }, 'scheduled sends started');
    return due.length;
  }

  async function idle(): Promise<void> {
    while (running.size > 0) await Promise.allSettled([...running.values()]);
  }

  return {
    ownerId: owner,
    recoverInterruptedSends,
    runDueScheduledSends,

    async submit(request) {
      const key = JSON.stringify([request.memberId, request.idempotencyKey]);
      const inFlight = submitting.get(key);
      if (inFlight) {
        const first = await inFlight;
        const replay = { ...first, created: false };
        if (first.send.requestHash !== requestHash(request)) throw new IdempotencyConflictError(first.send);
        return replay;
      }
      const submission = submitOnce(request);
      submitting.set(key, submission);
      try {
        return await submission;
      } finally {
        submitting.delete(key);
      }
    },

    idle,

    totalsOf: (send) => finishedTotals.get(send) ?? null,

    async stop() {
      if (!stopping) {
        stopping = true;
        for (const onStop of stopListeners) onStop();
        stopListeners.clear();
        if (held.size > 0) logger.info({ sends: held.size }, 'stopping: no new chunks are claimed; the calls in flight finish and their sends are handed over');
      }
      await idle();
    },
  };
}

const STOPPED = Symbol('stopped');
