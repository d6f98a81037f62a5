import { beforeAll, describe, expect, it } from 'vitest';
import { BitrixError, NOT_CONNECTED, type RestAnswer } from '../bitrix/restClient.js';
import { TokensUnusableError, type PortalGateway } from '../bitrix/portalGateway.js';
import { createLogger } from '../logger.js';
import { createSendStore, type SendStore } from '../storage/sendStore.js';
import { forEachDatabase } from '../../test/support/databases.js';
import { OUTCOME_UNKNOWN } from './sendErrors.js';
import { createSendPipeline, type SendPipelineDeps, type SendRequest } from './sendPipeline.js';
import { classifyPushFailure, splitIntoChunks } from './pushOutcome.js';
import { timeOrderedIdFactory } from './sendIds.js';
import { storePortalsForSends } from '../../test/support/sends.js';

const MEMBER = 'feedfacefeedfacefeedfacefeedface';
const logger = createLogger({ level: 'silent' });

interface Call {
  userId: number;
  method: string;
  params: Record<string, unknown>;
}

/**
 * A `batch` answer as the core builds it (CRestProvider::methodsBatch): each command's result under
 * `result`, its error under `result_error`; a command with neither is missing from the answer.
 */
function batchAnswer(outcomes: Array<true | { error: string; error_description?: string } | 'missing'>) {
  const result: Record<string, unknown> = {};
  const resultError: Record<string, unknown> = {};
  outcomes.forEach((outcome, index) => {
    if (outcome === true) result[`c${index}`] = true;
    else if (outcome !== 'missing') resultError[`c${index}`] = outcome;
  });
  return { result, result_error: resultError, result_total: [], result_next: [], result_time: {} };
}

/** A gateway that answers each push call from a script (default: accepted). */
function fakeGateway(script: Array<unknown> = []) {
  const calls: Call[] = [];
  const gateway: Pick<PortalGateway, 'callAsUser'> = {
    async callAsUser<T>(_memberId: string, userId: number, method: string, params: Record<string, unknown> = {}): Promise<RestAnswer<T>> {
      calls.push({ userId, method, params });
      const next = script.shift();
      if (next instanceof Error) throw next;
      return { result: (next ?? true) as T };
    },
  };
  return { gateway, calls };
}

const bitrix = (code: string, status: number, description = '') => new BitrixError(code, description, status, 'pull.application.push.add');

describe('send pipeline: pure parts', () => {
  it('send ids are UUIDv7 on the injected clock, in creation order also past 4,096 within one millisecond', () => {
    const ids = Array.from({ length: 10_000 }, timeOrderedIdFactory(() => Date.UTC(2030, 0, 1)));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids.slice(0, 5)) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(ids[0]!.replace(/-/g, '').slice(0, 12), 16)).toBe(Date.UTC(2030, 0, 1));
  });

  it('splits recipients into chunks of the given size', () => {
    expect(splitIntoChunks([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(splitIntoChunks(Array.from({ length: 2500 }, (_, i) => i + 1), 1000).map((chunk) => chunk.length)).toEqual([1000, 1000, 500]);
  });

  it('retries only what certainly did not reach Bitrix24; a maybe-accepted call is uncertain', () => {
    expect(classifyPushFailure(bitrix('QUERY_LIMIT_EXCEEDED', 503)).kind).toBe('retry');
    expect(classifyPushFailure(new BitrixError('NETWORK_ERROR', NOT_CONNECTED, 0, 'm')).kind).toBe('retry');
    expect(classifyPushFailure(new BitrixError('NETWORK_ERROR', 'TypeError', 0, 'm'))).toEqual({ kind: 'uncertain', code: OUTCOME_UNKNOWN });
    expect(classifyPushFailure(bitrix(OUTCOME_UNKNOWN, 502)).kind).toBe('uncertain');
    expect(classifyPushFailure(bitrix('INTERNAL_SERVER_ERROR', 500)).kind).toBe('uncertain');
    expect(classifyPushFailure(new BitrixError('HTTP_ERROR', 'HTTP 502', 502, 'm')).kind).toBe('uncertain');
    expect(classifyPushFailure(bitrix('PORTAL_DELETED', 500))).toEqual({ kind: 'fatal', code: 'PORTAL_DELETED' });
    expect(classifyPushFailure(bitrix('ACCESS_ERROR', 400))).toEqual({ kind: 'fatal', code: 'ACCESS_ERROR' });
    expect(classifyPushFailure(new TokensUnusableError(MEMBER, 1, 'invalid_grant'))).toEqual({ kind: 'fatal', code: 'invalid_grant' });
    expect(classifyPushFailure(new TokensUnusableError(MEMBER, 1, 'no_tokens'))).toEqual({ kind: 'fatal', code: 'NO_STORED_AUTH' });
    expect(classifyPushFailure(new Error('boom')).kind).toBe('uncertain');
    // The gateway's database (the stored authorization, read before the call) failing: the push did not go.
    expect(classifyPushFailure(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toEqual({ kind: 'retry', code: 'DATABASE_UNAVAILABLE' });
    expect(classifyPushFailure(new Error('Connection terminated unexpectedly'))).toEqual({ kind: 'retry', code: 'DATABASE_UNAVAILABLE' });
  });
});

forEachDatabase('send pipeline', (getDb) => {
  let store: SendStore;
  let clock = Date.UTC(2026, 10, 24);
  let seq = 0;
  const sleeps: number[] = [];

  beforeAll(async () => {
    const { appDb } = getDb();
    await storePortalsForSends(appDb, [MEMBER]);
    store = createSendStore(appDb, { now: () => clock });
  });

  const pipelineWith = (gateway: Pick<PortalGateway, 'callAsUser'>, overrides: Partial<SendPipelineDeps> = {}) =>
    createSendPipeline({
      store,
      gateway,
      logger,
      now: () => clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
      resolveAudience: async (_callRest, audience) => (audience as { users: number[] }).users,
      chunkSize: 2,
      // One chunk per call: these tests are about a chunk's call; the batch tests below group them.
      pushesPerCall: 1,
      ...overrides,
    });
  const request = (overrides: Partial<SendRequest> = {}): SendRequest => {
    seq += 1;
    return { memberId: MEMBER, senderId: 1, idempotencyKey: `pipeline-key-${seq}-0000000000`, text: 'Hello', audience: { users: [5, 3, 4, 3, 2] }, ...overrides };
  };

  it('records, resolves, chunks (deduplicated, sorted) and pushes each chunk once with the sender’s authorization', async () => {
    const { gateway, calls } = fakeGateway();
    const pipeline = pipelineWith(gateway);
    const submission = await pipeline.submit(request({ avatar: 'https://img.example/a.png' }));
    expect(submission.send.status).toBe('queued');
    const send = await submission.done;
    expect(send).toMatchObject({ status: 'sent', recipientCount: 4, errorCode: null });
    expect(calls.map((call) => [call.userId, call.method, call.params])).toEqual([
      [1, 'pull.application.push.add', { USER_ID: [2, 3], TEXT: 'Hello', AVATAR: 'https://img.example/a.png' }],
      [1, 'pull.application.push.add', { USER_ID: [4, 5], TEXT: 'Hello', AVATAR: 'https://img.example/a.png' }],
    ]);
  });

  it('a test send goes to the sender only, without resolving an audience', async () => {
    const { gateway, calls } = fakeGateway();
    const send = await (await pipelineWith(gateway, { resolveAudience: () => Promise.reject(new Error('not called')) }).submit(request({ senderId: 7, testToSelf: true }))).done;
    expect(send).toMatchObject({ status: 'sent', recipientCount: 1, testToSelf: true, audience: null });
    expect(calls.map((call) => call.params.USER_ID)).toEqual([[7]]);
  });

  it('QUERY_LIMIT_EXCEEDED and refused connections are retried with backoff; the chunk is pushed once accepted', async () => {
    const { gateway, calls } = fakeGateway([bitrix('QUERY_LIMIT_EXCEEDED', 503), new BitrixError('NETWORK_ERROR', NOT_CONNECTED, 0, 'm'), true, true]);
    sleeps.length = 0;
    const send = await (await pipelineWith(gateway).submit(request())).done;
    expect(send.status).toBe('sent');
    expect(calls).toHaveLength(4);
    expect(sleeps).toEqual([1000, 2000]);
    expect((await store.listChunks(send.id)).map((chunk) => chunk.attempts)).toEqual([3, 1]);
  });

  it('retries that never succeed end the send as failed, the rest never attempted', async () => {
    const { gateway, calls } = fakeGateway(Array.from({ length: 10 }, () => bitrix('QUERY_LIMIT_EXCEEDED', 503)));
    const send = await (await pipelineWith(gateway, { maxAttempts: 3 }).submit(request())).done;
    expect(send).toMatchObject({ status: 'failed', errorCode: 'QUERY_LIMIT_EXCEEDED' });
    expect(calls).toHaveLength(3);
    expect((await store.listChunks(send.id)).map((chunk) => chunk.status)).toEqual(['failed', 'failed']);
  });

  it('an answer that may hide an acceptance leaves the chunk uncertain and is never repeated; other chunks go on', async () => {
    const { gateway, calls } = fakeGateway([bitrix('INTERNAL_SERVER_ERROR', 500), true]);
    const send = await (await pipelineWith(gateway).submit(request())).done;
    expect(send).toMatchObject({ status: 'partly_failed', errorCode: 'INTERNAL_SERVER_ERROR' });
    expect(calls).toHaveLength(2);
    expect((await store.listChunks(send.id)).map((chunk) => chunk.status)).toEqual(['uncertain', 'accepted']);
  });

  it('a refusal (not retryable) fails the send with that code and stops', async () => {
    const { gateway, calls } = fakeGateway([true, bitrix('ACCESS_ERROR', 400)]);
    const send = await (await pipelineWith(gateway).submit(request({ audience: { users: [1, 2, 3, 4, 5, 6] } }))).done;
    expect(send).toMatchObject({ status: 'partly_failed', errorCode: 'ACCESS_ERROR' });
    expect(calls).toHaveLength(2);
    expect((await store.listChunks(send.id)).map((chunk) => [chunk.status, chunk.errorCode])).toEqual([
      ['accepted', null],
      ['failed', 'ACCESS_ERROR'],
      ['failed', 'ACCESS_ERROR'],
    ]);
  });

  it('no active recipients: failed NO_RECIPIENTS, nothing pushed; a failing audience look-up fails with its code', async () => {
    const { gateway, calls } = fakeGateway();
    expect(await (await pipelineWith(gateway).submit(request({ audience: { users: [] } }))).done).toMatchObject({ status: 'failed', errorCode: 'NO_RECIPIENTS' });
    const failing = pipelineWith(gateway, { resolveAudience: () => Promise.reject(new BitrixError('insufficient_scope', '', 403, 'user.get')) });
    expect(await (await failing.submit(request())).done).toMatchObject({ status: 'failed', errorCode: 'insufficient_scope' });
    expect(calls).toHaveLength(0);
  });

  it('idempotency: a repeat (also concurrent) returns the first send and pushes nothing more; another message with the key is refused', async () => {
    const { gateway, calls } = fakeGateway();
    const pipeline = pipelineWith(gateway);
    const same = request();
    const [a, b] = await Promise.all([pipeline.submit(same), pipeline.submit(same)]);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect((await a.done).id).toBe((await b.done).id);
    const later = await pipeline.submit(same);
    expect(later).toMatchObject({ created: false, send: { status: 'sent' } });
    // After a restart: a new pipeline finds the send in the database.
    const restarted = await pipelineWith(gateway).submit(same);
    expect(restarted.created).toBe(false);
    expect(calls).toHaveLength(2);
    await expect(pipeline.submit({ ...same, text: 'Different' })).rejects.toThrow('idempotency key reused');
  });

  it('recovery after a crash: mid-call chunks become uncertain (not resent), pending chunks are sent, a queued send starts over', async () => {
    // The state a crash leaves: chunk 0 accepted, chunk 1 mid-call, chunk 2 pending; and a send not yet resolved.
    const crashed = request({ audience: { users: [1, 2, 3, 4, 5, 6] } });
    const dead = { owner: 'the-crashed-process', until: clock + 1000 };
    const { send } = await store.createSend({ id: crypto.randomUUID(), memberId: MEMBER, senderId: 1, idempotencyKey: crashed.idempotencyKey, requestHash: 'x', text: 'Hello', avatar: null, audience: crashed.audience, testToSelf: false, leaseUntil: dead.until, leaseOwner: dead.owner });
    await store.startSending(send.id, [[1, 2], [3, 4], [5, 6]], dead);
    await store.claimChunks(send.id, [0], dead.owner, 'claim-0');
    await store.finishChunks(send.id, [0], 'accepted', null);
    await store.claimChunks(send.id, [1], dead.owner, 'claim-1');
    const queued = await store.createSend({ id: crypto.randomUUID(), memberId: MEMBER, senderId: 1, idempotencyKey: `queued-${crashed.idempotencyKey}`, requestHash: 'y', text: 'Queued', avatar: null, audience: { users: [9] }, testToSelf: false, leaseUntil: dead.until, leaseOwner: dead.owner });

    clock += 2000; // the crashed process's lease runs out (PostgreSQL waits for it; SQLite has no other process)
    const { gateway, calls } = fakeGateway();
    const outcome = await pipelineWith(gateway).recoverInterruptedSends();
    expect(outcome).toMatchObject({ uncertainChunks: 1 });
    expect(outcome.resumed).toBeGreaterThanOrEqual(2);
    expect(calls.map((call) => call.params.USER_ID)).toEqual(expect.arrayContaining([[5, 6], [9]]));
    expect(calls.map((call) => call.params.USER_ID)).not.toContainEqual([3, 4]);
    expect((await store.listChunks(send.id)).map((chunk) => [chunk.status, chunk.errorCode])).toEqual([
      ['accepted', null],
      ['uncertain', 'INTERRUPTED'],
      ['accepted', null],
    ]);
    expect(await store.getSend(MEMBER, send.id)).toMatchObject({ status: 'partly_failed', errorCode: 'INTERRUPTED', leaseUntil: null });
    expect(await store.getSend(MEMBER, queued.send.id)).toMatchObject({ status: 'sent', recipientCount: 1 });
    // Nothing left to recover; a second run pushes nothing.
    const again = fakeGateway();
    await pipelineWith(again.gateway).recoverInterruptedSends();
    expect(again.calls).toHaveLength(0);
  });

  describe('pushes in batch', () => {
    const batchOf = (call: Call) => Object.values((call.params as { cmd: Record<string, string> }).cmd);

    it('the chunks of a send go in one batch call (halt 0), TEXT last in each push; every chunk accepted once', async () => {
      const { gateway, calls } = fakeGateway([batchAnswer([true, true, true])]);
      const send = await (await pipelineWith(gateway, { pushesPerCall: 50 }).submit(request({ audience: { users: [1, 2, 3, 4, 5, 6] }, avatar: 'https://img.example/a.png' }))).done;
      expect(send).toMatchObject({ status: 'sent', recipientCount: 6 });
      expect(calls.map((call) => [call.method, (call.params as { halt: number }).halt])).toEqual([['batch', 0]]);
      expect(batchOf(calls[0]!)).toEqual([1, 3, 5].map((first) => `pull.application.push.add?USER_ID[0]=${first}&USER_ID[1]=${first + 1}&AVATAR=${encodeURIComponent('https://img.example/a.png')}&TEXT=Hello`));
      expect((await store.listChunks(send.id)).map((chunk) => [chunk.status, chunk.attempts])).toEqual([['accepted', 1], ['accepted', 1], ['accepted', 1]]);
    });

    it('each push in a batch has its own outcome: a refused one fails, a missing answer is uncertain, the others are accepted', async () => {
      const { gateway, calls } = fakeGateway([batchAnswer([true, { error: 'ACCESS_ERROR', error_description: 'no' }, 'missing'])]);
      const send = await (await pipelineWith(gateway, { pushesPerCall: 50 }).submit(request({ audience: { users: [1, 2, 3, 4, 5, 6] } }))).done;
      expect(calls).toHaveLength(1);
      expect(send).toMatchObject({ status: 'partly_failed' });
      expect((await store.listChunks(send.id)).map((chunk) => [chunk.status, chunk.errorCode])).toEqual([
        ['accepted', null],
        ['failed', 'ACCESS_ERROR'],
        ['uncertain', 'BAD_ANSWER'],
      ]);
    });

    it('a batch whose answer is lost makes every push in it uncertain and is never made again', async () => {
      const { gateway, calls } = fakeGateway([new BitrixError('NETWORK_ERROR', 'socket hang up', 0, 'batch')]);
      const send = await (await pipelineWith(gateway, { pushesPerCall: 50 }).submit(request({ audience: { users: [1, 2, 3, 4, 5, 6] } }))).done;
      expect(calls).toHaveLength(1);
      expect(send).toMatchObject({ status: 'failed', errorCode: OUTCOME_UNKNOWN });
      expect((await store.listChunks(send.id)).map((chunk) => chunk.status)).toEqual(['uncertain', 'uncertain', 'uncertain']);
    });

    it('a batch refused before it ran (QUERY_LIMIT_EXCEEDED) is made again whole; 50 pushes at most per call', async () => {
      const users = Array.from({ length: 104 }, (_, index) => index + 1);
      const { gateway, calls } = fakeGateway([bitrix('QUERY_LIMIT_EXCEEDED', 503), batchAnswer(Array(50).fill(true)), batchAnswer([true, true])]);
      const send = await (await pipelineWith(gateway, { pushesPerCall: 50 }).submit(request({ audience: { users } }))).done;
      expect(send).toMatchObject({ status: 'sent', recipientCount: 104 });
      expect(calls.map((call) => batchOf(call).length)).toEqual([50, 50, 2]);
      const chunks = await store.listChunks(send.id);
      expect(chunks.map((chunk) => chunk.attempts)).toEqual([...Array(50).fill(2), 1, 1]);
      expect(chunks.flatMap((chunk) => chunk.userIds)).toEqual(users);
    });

    it('a push blocked inside the batch (OPERATION_TIME_LIMIT) pauses the send; the accepted ones stay accepted', async () => {
      const { gateway } = fakeGateway([batchAnswer([true, { error: 'OPERATION_TIME_LIMIT', error_description: 'Method is blocked due to operation time limit.' }])]);
      const send = await (await pipelineWith(gateway, { pushesPerCall: 50 }).submit(request({ audience: { users: [1, 2, 3, 4] } }))).done;
      expect(send.status).toBe('sending');
      expect(send.pausedUntil).toBeGreaterThan(clock);
      expect((await store.listChunks(send.id)).map((chunk) => chunk.status)).toEqual(['accepted', 'pending']);
    });
  });
});
