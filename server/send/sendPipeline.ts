import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from '../logger.js';
import { BitrixError } from '../bitrix/restClient.js';
import type { CallRest } from '../bitrix/batch.js';
import { AudienceError } from '../audience/audienceErrors.js';
import { TokensUnusableError, type PortalGateway } from '../bitrix/portalGateway.js';
import type { ChunkRecord, SendRecord, SendStatus, SendStore } from '../storage/sendStore.js';
import { createPortalRateLimiter, type PortalRateLimiter, type RateLimit } from './rateLimiter.js';
import { NOT_CONNECTED } from './pushTransport.js';
import { OUTCOME_UNKNOWN, SENDER_NOT_ADMIN } from './sendErrors.js';

/**
 * The send pipeline: record -> resolve the audience -> record chunks -> push each chunk once.
 *
 * Every push goes out with the sending administrator's own stored authorization. A chunk is claimed
 * (`pending -> sending`, a conditional update) before its call, and is retried only when Bitrix24
 * certainly did not take it: QUERY_LIMIT_EXCEEDED (refused before the method runs) or a connection
 * that was never made. A call that may have reached Bitrix24 without a clear answer (HTTP 500
 * INTERNAL_SERVER_ERROR, a lost connection, a timeout) leaves the chunk `uncertain`: not repeated,
 * reported. Bitrix24's `true` means accepted, not delivered, and the statuses say no more than that.
 */

export const PUSH_METHOD = 'pull.application.push.add';
/**
 * Recipients per REST call. USER_ID has no documented maximum (platform doc §1); 1,000 ids keep one
 * request body around 7 KB and a 10,000-person send at 10 calls — well inside the burst of 50.
 */
export const DEFAULT_CHUNK_SIZE = 1_000;
/** Attempts per chunk for failures that certainly did not reach Bitrix24. */
export const DEFAULT_MAX_ATTEMPTS = 6;
/** How long a running send is owned by its process without a sign of life (renewed before each chunk). */
export const DEFAULT_LEASE_MS = 5 * 60_000;

/** Bitrix24 codes after which the push certainly was not accepted but trying again at once can help. */
const RETRY_LATER = new Set(['QUERY_LIMIT_EXCEEDED']);
/** Answers from inside the method where acceptance is unknown. */
const MAYBE_ACCEPTED = new Set(['INTERNAL_SERVER_ERROR', 'ERROR_UNEXPECTED_ANSWER', 'BAD_ANSWER', OUTCOME_UNKNOWN]);

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
  maxAttempts?: number;
  /** Wait before attempt n+1 (n >= 1). Default: 1 s, 2 s, 4 s … capped at 30 s. */
  backoffMs?: (attempt: number) => number;
  leaseMs?: number;
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
  submit(request: SendRequest): Promise<Submission>;
  /**
   * Takes over sends a crash (or a stalled process) left unfinished: chunks caught mid-call become
   * `uncertain` (never resent), `pending` chunks are sent, and a send still `queued` starts over (it had
   * sent nothing). On SQLite (one process) every unfinished send is taken; on PostgreSQL only those
   * whose owner's lease ran out.
   */
  recoverInterruptedSends(): Promise<RecoveryOutcome>;
  /**
   * Starts the scheduled sends whose time has come (each claimed by one process), re-checking just
   * before each that its sender is still an administrator. Resolves with how many it started; their
   * runs go on (see `idle`).
   */
  runDueScheduledSends(): Promise<number>;
  /** Resolves when every run started by this pipeline has ended (tests, shutdown). */
  idle(): Promise<void>;
}

export type CallOutcome = { kind: 'accepted' } | { kind: 'retry'; code: string } | { kind: 'uncertain'; code: string } | { kind: 'fatal'; code: string };
type Outcome = CallOutcome | { kind: 'skipped' };

/**
 * UUIDv7-style ids: time-ordered, with a counter within one millisecond, so history pages (created_at,
 * id) list sends of the same millisecond in the order this process created them.
 */
export function timeOrderedIdFactory(now: () => number): () => string {
  let lastMs = -1;
  let counter = 0;
  return () => {
    const ms = Math.max(now(), lastMs);
    counter = ms === lastMs ? counter + 1 : 0;
    lastMs = ms;
    const bytes = randomBytes(16);
    bytes.writeUIntBE(ms, 0, 6);
    bytes.writeUInt16BE(0x7000 | (counter & 0x0fff), 6);
    bytes[8] = 0x80 | (bytes[8]! & 0x3f);
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}

export function requestHash(request: SendRequest): string {
  const content = {
    text: request.text,
    avatar: request.avatar ?? null,
    audience: request.testToSelf ? null : (request.audience ?? null),
    testToSelf: Boolean(request.testToSelf),
    ...(request.sendAt ? { sendAt: request.sendAt } : {}),
  };
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}

function errorCodeOf(error: unknown): string {
  if (error instanceof TokensUnusableError) {
    if (error.reason === 'invalid_grant') return 'invalid_grant';
    if (error.reason === 'portal_unavailable') return 'PORTAL_UNAVAILABLE';
    return 'NO_STORED_AUTH';
  }
  if (error instanceof BitrixError) return error.code;
  if (error instanceof AudienceError) return error.code;
  return 'INTERNAL_ERROR';
}

/** What a failed push call means for its chunk. */
export function classifyPushFailure(error: unknown): CallOutcome {
  if (error instanceof BitrixError) {
    if (RETRY_LATER.has(error.code)) return { kind: 'retry', code: error.code };
    if (error.code === 'NETWORK_ERROR') return error.description === NOT_CONNECTED ? { kind: 'retry', code: error.code } : { kind: 'uncertain', code: OUTCOME_UNKNOWN };
    if (MAYBE_ACCEPTED.has(error.code)) return { kind: 'uncertain', code: error.code };
    if (error.code === 'HTTP_ERROR') return error.httpStatus >= 500 ? { kind: 'uncertain', code: OUTCOME_UNKNOWN } : { kind: 'fatal', code: error.code };
    return { kind: 'fatal', code: error.code };
  }
  if (error instanceof TokensUnusableError) return { kind: 'fatal', code: errorCodeOf(error) };
  // Our own failure somewhere around the call: whether the request left is unknown.
  return { kind: 'uncertain', code: OUTCOME_UNKNOWN };
}

export function splitIntoChunks(userIds: readonly number[], size: number): number[][] {
  const chunks: number[][] = [];
  for (let start = 0; start < userIds.length; start += size) chunks.push(userIds.slice(start, start + size));
  return chunks;
}

export function finalStatus(chunks: readonly ChunkRecord[]): { status: SendStatus; errorCode: string | null } {
  const accepted = chunks.filter((chunk) => chunk.status === 'accepted').length;
  const firstProblem = chunks.find((chunk) => chunk.status !== 'accepted');
  if (!firstProblem) return { status: 'sent', errorCode: null };
  return { status: accepted > 0 ? 'partly_failed' : 'failed', errorCode: firstProblem.errorCode ?? OUTCOME_UNKNOWN };
}

export function createSendPipeline(deps: SendPipelineDeps): SendPipeline {
  const { store, gateway, logger } = deps;
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const chunkSize = deps.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const maxAttempts = deps.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const backoffMs = deps.backoffMs ?? ((attempt: number) => Math.min(30_000, 1000 * 2 ** (attempt - 1)));
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  const newId = deps.newId ?? timeOrderedIdFactory(now);
  const limiter: PortalRateLimiter = deps.limiter ?? createPortalRateLimiter({ limit: deps.rateLimit, now, sleep });

  /** Runs of this process, by send id: a replay waits for the first request's run. */
  const running = new Map<string, Promise<SendRecord>>();
  /** Submissions between "key seen" and "run registered", by portal and key. */
  const submitting = new Map<string, Promise<Submission>>();

  function track(sendId: string, run: Promise<SendRecord>): Promise<SendRecord> {
    const tracked = run.finally(() => running.delete(sendId));
    running.set(sendId, tracked);
    return tracked;
  }

  /** REST for reads (audience): rate-limited, retried while Bitrix24 says the limit is exceeded. */
  function readCaller(memberId: string, userId: number): CallRest {
    return async (method, params) => {
      for (let attempt = 1; ; attempt += 1) {
        await limiter.acquire(memberId);
        try {
          return await gateway.callAsUser(memberId, userId, method, params);
        } catch (error) {
          const transient = error instanceof BitrixError && (RETRY_LATER.has(error.code) || error.code === 'NETWORK_ERROR');
          if (!transient || attempt >= maxAttempts) throw error;
          await sleep(backoffMs(attempt));
        }
      }
    };
  }

  async function reload(send: SendRecord): Promise<SendRecord> {
    return (await store.getSend(send.memberId, send.id)) ?? send;
  }

  async function execute(send: SendRecord): Promise<SendRecord> {
    let recipients: number[];
    try {
      recipients = send.testToSelf ? [send.senderId] : await deps.resolveAudience(readCaller(send.memberId, send.senderId), send.audience, { memberId: send.memberId });
    } catch (error) {
      const code = errorCodeOf(error);
      if (code === 'INTERNAL_ERROR') logger.error({ err: error, sendId: send.id, memberId: send.memberId }, 'audience resolution failed');
      else logger.warn({ sendId: send.id, memberId: send.memberId, code }, 'audience resolution failed');
      await store.finishSend(send.id, 'failed', code);
      return reload(send);
    }
    const unique = [...new Set(recipients.filter((id) => Number.isSafeInteger(id) && id > 0))].sort((a, b) => a - b);
    if (unique.length === 0) {
      await store.finishSend(send.id, 'failed', 'NO_RECIPIENTS');
      return reload(send);
    }
    await store.startSending(send.id, splitIntoChunks(unique, chunkSize), now() + leaseMs);
    return pushChunks(send);
  }

  async function pushChunks(send: SendRecord): Promise<SendRecord> {
    let fatal: string | null = null;
    for (const chunk of await store.listChunks(send.id)) {
      if (chunk.status !== 'pending') continue;
      if (fatal) break;
      await store.renewLease(send.id, now() + leaseMs);
      const outcome = await pushChunk(send, chunk);
      if (outcome.kind === 'fatal') fatal = outcome.code;
    }
    // After a refusal every call would fail alike: the rest is never attempted, so it is safe to mark failed.
    if (fatal) await store.failPendingChunks(send.id, fatal);
    const chunks = await store.listChunks(send.id);
    if (chunks.some((chunk) => chunk.status === 'pending' || chunk.status === 'sending')) {
      // Another process holds part of this send (it took over after our lease ran out): it finishes it.
      return reload(send);
    }
    const { status, errorCode } = finalStatus(chunks);
    await store.finishSend(send.id, status, errorCode);
    const finished = await reload(send);
    logger.info({ sendId: send.id, memberId: send.memberId, status, errorCode, recipients: finished.recipientCount, chunks: chunks.length }, 'send finished');
    return finished;
  }

  async function pushChunk(send: SendRecord, chunk: ChunkRecord): Promise<Outcome> {
    for (let attempt = 1; ; attempt += 1) {
      // Someone else holds this chunk (another process took the send over): it is theirs to finish.
      if (!(await store.claimChunk(send.id, chunk.index))) return { kind: 'skipped' };
      await limiter.acquire(send.memberId);
      let outcome: CallOutcome;
      try {
        const params: Record<string, unknown> = { USER_ID: chunk.userIds, TEXT: send.text };
        if (send.avatar) params.AVATAR = send.avatar;
        const answer = await gateway.callAsUser(send.memberId, send.senderId, PUSH_METHOD, params);
        outcome = answer.result === true ? { kind: 'accepted' } : { kind: 'uncertain', code: 'BAD_ANSWER' };
      } catch (error) {
        outcome = classifyPushFailure(error);
        if (outcome.kind === 'uncertain' && outcome.code === OUTCOME_UNKNOWN && !(error instanceof BitrixError)) {
          logger.error({ err: error, sendId: send.id, chunk: chunk.index }, 'push call failed on our side');
        }
      }
      if (outcome.kind === 'retry' && attempt < maxAttempts) {
        await store.releaseChunk(send.id, chunk.index, outcome.code);
        logger.info({ sendId: send.id, chunk: chunk.index, attempt, code: outcome.code }, 'push not taken by Bitrix24; retrying');
        await sleep(backoffMs(attempt));
        continue;
      }
      if (outcome.kind === 'accepted') await store.finishChunk(send.id, chunk.index, 'accepted', null);
      else if (outcome.kind === 'uncertain') await store.finishChunk(send.id, chunk.index, 'uncertain', outcome.code);
      else await store.finishChunk(send.id, chunk.index, 'failed', outcome.code);
      if (outcome.kind !== 'accepted') logger.warn({ sendId: send.id, memberId: send.memberId, chunk: chunk.index, outcome: outcome.kind, code: outcome.code }, 'push chunk not accepted');
      // Retries used up: the limit or the network persists, so stop rather than hammer the portal.
      return outcome.kind === 'retry' ? { kind: 'fatal', code: outcome.code } : outcome;
    }
  }

  /** A run that failed on our side (e.g. the database): claimed chunks stay `sending`, which recovery makes `uncertain`. */
  function guarded(send: SendRecord, run: Promise<SendRecord>): Promise<SendRecord> {
    return run.catch(async (error: unknown) => {
      logger.error({ err: error, sendId: send.id }, 'send run failed');
      return reload(send).catch(() => send);
    });
  }

  async function resume(send: SendRecord): Promise<{ uncertain: number; run: Promise<SendRecord> }> {
    // A scheduled send claimed by a process that died before it began: its sender is checked as if on time.
    if (send.status === 'queued') return { uncertain: 0, run: send.sendAt === null ? execute(send) : startScheduled(send) };
    const uncertain = await store.markSendingChunksUncertain(send.id, 'INTERRUPTED');
    if (uncertain > 0) logger.warn({ sendId: send.id, memberId: send.memberId, chunks: uncertain }, 'send interrupted mid-call: chunks marked uncertain, not resent');
    return { uncertain, run: pushChunks(send) };
  }

  async function submitOnce(request: SendRequest): Promise<Submission> {
    const hash = requestHash(request);
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
      leaseUntil: now() + leaseMs,
      sendAt: request.sendAt ?? null,
    });
    if (!created) {
      if (send.requestHash !== hash) throw new IdempotencyConflictError(send);
      return { send, created, done: running.get(send.id) ?? Promise.resolve(send) };
    }
    // A scheduled send waits for runDueScheduledSends.
    if (send.status === 'scheduled') return { send, created, done: Promise.resolve(send) };
    return { send, created, done: track(send.id, guarded(send, execute(send))) };
  }

  async function recoverInterruptedSends(): Promise<RecoveryOutcome> {
    const claimed = await store.claimInterruptedSends(now() + leaseMs, { ignoreLeases: !store.multiProcess });
    let uncertainChunks = 0;
    const runs: Promise<SendRecord>[] = [];
    for (const send of claimed) {
      if (running.has(send.id)) continue;
      const { uncertain, run } = await resume(send);
      uncertainChunks += uncertain;
      runs.push(track(send.id, guarded(send, run)));
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
    const check = await stillAdmin(send);
    if (check !== true) {
      logger.warn({ sendId: send.id, memberId: send.memberId, code: check }, 'scheduled send not started: its sender cannot send now');
      await store.finishSend(send.id, 'failed', check);
      return reload(send);
    }
    return execute(send);
  }

  async function runDueScheduledSends(): Promise<number> {
    const due = await store.claimDueScheduledSends(now(), now() + leaseMs);
    for (const send of due) track(send.id, guarded(send, startScheduled(send)));
    if (due.length > 0) logger.info({ started: due.length }, 'scheduled sends started');
    return due.length;
  }

  return {
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

    async idle() {
      while (running.size > 0) await Promise.allSettled([...running.values()]);
    },
  };
}
