import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Stack } from '../../scripts/stack.js';
import { ManualClock } from '../../simulator/index.js';
import type { SimPortal } from '../../simulator/contract.js';
import { forEachDatabase } from '../../test/support/databases.js';
import { firstAdmin, isRecipient, postInstall } from '../../test/support/directory.js';
import { startStackOnClock } from '../../test/support/stacks.js';
import { DEFAULT_PAUSE_MS } from '../bitrix/retryPolicy.js';
import { MEMBER_ID_HEADER } from '../api/frameAuth.js';
import type { SendView } from '../api/sendRoutes.js';
import { PUSH_METHOD, type SendPipeline } from './sendPipeline.js';

/**
 * OPERATION_TIME_LIMIT blocks one method for this application on one portal (limits.md, 2026; the core's
 * LoadLimiter), answered 429 without `time` (CRestServer::processCall). A send waits until the
 * `operating_reset_at` of the last successful push answer, tries once, and waits again while later
 * baskets keep the method blocked; nothing else waits. Through the simulator, on SQLite and PostgreSQL.
 */
forEachDatabase('operating-time blocks', (getDb) => {
  let stack: Stack;
  let pipeline: SendPipeline;
  const clock = new ManualClock(Date.UTC(2026, 11, 9, 9, 0, 0));
  /** What each successful push, and each user.get, on 'busy' costs, in ms of operating time (then nothing); its budget is 100 ms. */
  const pushCosts: number[] = [];
  const userGetCosts: number[] = [];
  const cost = (method: string) => (method === PUSH_METHOD ? pushCosts.shift() : method === 'user.get' ? userGetCosts.shift() : 0) ?? 0;

  beforeAll(async () => {
    stack = await startStackOnClock(getDb(), clock, {
      portals: [
        { label: 'busy', users: 30, operatingBudget: { budgetSeconds: 0.1, costMs: cost } },
        { label: 'calm', users: 20 },
      ],
      sends: { scheduler: false, recoverAtStart: false },
    });
    for (const label of ['busy', 'calm']) expect(await postInstall(stack.sim.portal(label))).toBe(200);
    pipeline = stack.parts.pipeline!;
  });

  afterAll(async () => {
    await pipeline?.idle();
    await stack?.close();
  });

  const busy = () => stack.sim.portal('busy');
  const headers = (portal: SimPortal) => ({ Authorization: `Bearer ${portal.issueTokens(firstAdmin(portal).id).access_token}`, [MEMBER_ID_HEADER]: portal.memberId, 'Content-Type': 'application/json' });
  const view = async (portal: SimPortal, id: string) => ((await (await fetch(`${stack.appUrl}/api/sends/${id}`, { headers: headers(portal) })).json()) as { send: SendView }).send;
  const sendToSelf = async (portal: SimPortal, text: string) =>
    (await pipeline.submit({ memberId: portal.memberId, senderId: firstAdmin(portal).id, idempotencyKey: randomUUID(), text, testToSelf: true })).done;
  const pushCalls = (portal: SimPortal, since: number) => portal.requestLog.filter((entry) => entry.method === PUSH_METHOD && entry.at >= since);

  it('a push refused without a time block waits until the operating_reset_at of the last successful push answer, tries once, waits again while later baskets keep it blocked, and pushes once', async () => {
    const portal = busy();
    const startedAt = clock.now();
    // Three pushes a minute apart: 10 + 50 + 60 ms, over the 100 ms budget; the oldest basket is the first push's.
    pushCosts.push(10, 50, 60);
    for (let i = 0; i < 3; i += 1) {
      expect(await sendToSelf(portal, `Warm-up ${i} ${randomUUID()}`)).toMatchObject({ status: 'sent' });
      clock.advance(60_000);
    }
    const announced = Math.floor((startedAt + 600_000) / 1000) * 1000;

    const text = `Blocked ${randomUUID()}`;
    const blockedAt = clock.now();
    const paused = await sendToSelf(portal, text);
    // Not a blind five minutes (now + 300 s, before anything is released): the moment Bitrix24 named.
    expect(paused).toMatchObject({ status: 'sending', pausedUntil: announced });
    expect(announced).not.toBe(clock.now() + DEFAULT_PAUSE_MS);
    expect(await pipeline.recoverInterruptedSends()).toMatchObject({ resumed: 0 });

    // At the reset the first basket leaves, but 50 + 60 ms still exceed the budget: refused again, paused
    // again. (The next recovery look after the reset: a paused send's lease ends with its pause.)
    clock.set(announced + 1_000);
    expect(await pipeline.recoverInterruptedSends()).toMatchObject({ resumed: 1, uncertainChunks: 0 });
    await pipeline.idle();
    const again = await view(portal, paused.id);
    expect(again).toMatchObject({ status: 'sending', pendingCount: 1, acceptedCount: 0, uncertainCount: 0, pausedUntil: clock.now() + DEFAULT_PAUSE_MS });
    expect(portal.pushes.filter((push) => push.text === text)).toEqual([]);

    clock.advance(DEFAULT_PAUSE_MS + 1_000);
    await pipeline.recoverInterruptedSends();
    await pipeline.idle();
    expect(await view(portal, paused.id)).toMatchObject({ status: 'sent', acceptedCount: 1, pausedUntil: null });
    expect(portal.pushes.filter((push) => push.text === text).map((push) => push.userId)).toEqual([firstAdmin(portal).id]);
    // Two refusals (before anything ran) and one push: never twice.
    expect(pushCalls(portal, blockedAt).map((entry) => entry.error ?? entry.httpStatus)).toEqual(['OPERATION_TIME_LIMIT', 'OPERATION_TIME_LIMIT', 200]);
  });

  it('while pushes are blocked on a portal, its previews, searches, directory and token checks, and another portal\'s send, answer at once', async () => {
    const portal = busy();
    clock.advance(11 * 60_000);
    // One push of 200 ms: the next one is refused.
    pushCosts.push(200);
    expect(await sendToSelf(portal, `Heavy ${randomUUID()}`)).toMatchObject({ status: 'sent' });
    const blocked = await sendToSelf(portal, `Waiting ${randomUUID()}`);
    expect(blocked.status).toBe('sending');
    expect(blocked.pausedUntil).toBeGreaterThan(clock.now());

    const before = clock.now();
    const post = (path: string, body: unknown, on = portal) => fetch(`${stack.appUrl}/api${path}`, { method: 'POST', headers: headers(on), body: JSON.stringify(body) });
    const get = (path: string) => fetch(`${stack.appUrl}/api${path}`, { headers: headers(portal) });
    const someone = portal.directory.users.filter(isRecipient).slice(0, 3);
    const preview = await post('/audience/preview', { audience: { users: someone.map((user) => user.id) } });
    expect([preview.status, ((await preview.json()) as { count: number }).count]).toEqual([200, 3]);
    const search = await get(`/recipients/search?q=${encodeURIComponent(someone[0]!.lastName)}`);
    expect(search.status).toBe(200);
    expect((await get('/recipients/directory')).status).toBe(200);
    expect((await get('/sends')).status).toBe(200);
    const calm = stack.sim.portal('calm');
    const elsewhere = await post('/sends', { idempotencyKey: randomUUID(), text: `Elsewhere ${randomUUID()}`, testToSelf: true }, calm);
    expect([elsewhere.status, ((await elsewhere.json()) as { send: SendView }).send.status]).toEqual([201, 'sent']);
    // Nothing waited (every wait of the app moves this clock), and the blocked send is still just paused.
    expect(clock.now()).toBe(before);
    expect(await view(portal, blocked.id)).toMatchObject({ status: 'sending', pausedUntil: blocked.pausedUntil });
  });

  it('a block met while the audience is read (a batch command refused without time) waits until that method\'s last reset, read from the batch answer\'s result_time', async () => {
    const portal = busy();
    clock.advance(11 * 60_000);
    const ids = portal.directory.users.filter((user) => isRecipient(user) && user.pushEnabled).slice(0, 3).map((user) => user.id);
    const read = async (text: string) =>
      (await pipeline.submit({ memberId: portal.memberId, senderId: firstAdmin(portal).id, idempotencyKey: randomUUID(), text, audience: { users: ids } })).done;
    const readAt = clock.now();
    userGetCosts.push(200);
    expect(await read(`Read ${randomUUID()}`)).toMatchObject({ status: 'sent' });
    clock.advance(30_000);
    const text = `Read blocked ${randomUUID()}`;
    const paused = await read(text);
    expect(paused).toMatchObject({ status: 'queued', recipientCount: null, pausedUntil: Math.floor((readAt + 600_000) / 1000) * 1000 });
    clock.set(paused.pausedUntil! + 1_000);
    await pipeline.recoverInterruptedSends();
    await pipeline.idle();
    expect(portal.pushes.filter((push) => push.text === text).map((push) => push.userId)).toEqual(ids);
  });
});
