import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Stack } from '../../scripts/stack.js';
import { ManualClock } from '../../simulator/index.js';
import type { SimPortal } from '../../simulator/contract.js';
import { forEachDatabase } from '../../test/support/databases.js';
import { firstAdmin, isRecipient, postInstall } from '../../test/support/directory.js';
import { startStackOnClock } from '../../test/support/stacks.js';
import { MAX_PAUSE_MS } from '../bitrix/retryPolicy.js';
import type { SendPipeline } from '../send/sendPipeline.js';
import { MEMBER_ID_HEADER } from './frameAuth.js';
import type { SendView } from './sendRoutes.js';

/**
 * A pause that always ends and can always be cancelled (issue 18): OPERATION_TIME_LIMIT with
 * `operating_reset_at: 1e12` (the year 33658) paused a send for good, and cancel answered 409.
 * Through the simulator, on SQLite and PostgreSQL.
 */
forEachDatabase('paused sends', (getDb) => {
  let stack: Stack;
  let pipeline: SendPipeline;
  const clock = new ManualClock(Date.UTC(2026, 11, 2, 9));
  /** operating_reset_at 1e12 seconds. */
  const YEAR_33658 = 1e12 * 1000;
  const PUSH = 'pull.application.push.add';

  beforeAll(async () => {
    stack = await startStackOnClock(getDb(), clock, {
      portals: [{ label: 'one', users: 30 }],
      // Small chunks, one per call; nothing runs unless the test says so.
      sends: { scheduler: false, recoverAtStart: false, chunkSize: 3, pushesPerCall: 1 },
    });
    expect(await postInstall(stack.sim.portal('one'))).toBe(200);
    pipeline = stack.parts.pipeline!;
  });

  afterAll(async () => {
    await pipeline?.idle();
    await stack?.close();
  });

  const portal = () => stack.sim.portal('one');
  const as = (p: SimPortal) => ({ Authorization: `Bearer ${p.issueTokens(firstAdmin(p).id).access_token}`, [MEMBER_ID_HEADER]: p.memberId, 'Content-Type': 'application/json' });
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${stack.appUrl}/api${path}`, { method: 'POST', headers: as(portal()), body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as { send: SendView; error?: string; message?: string; detail?: string } };
  };
  const view = async (id: string) => ((await (await fetch(`${stack.appUrl}/api/sends/${id}`, { headers: as(portal()) })).json()) as { send: SendView }).send;
  const pushed = (text: string) => portal().pushes.filter((push) => push.text === text);
  const recipients = (count: number) => portal().directory.users.filter(isRecipient).slice(0, count).map((user) => user.id);

  it('a reset in the year 33658 pauses the send at most 11 minutes; still blocked then, it pauses again, never longer', async () => {
    portal().blockMethod(PUSH, YEAR_33658);
    const text = `Forever ${randomUUID()}`;
    const created = await post('/sends', { idempotencyKey: randomUUID(), text, testToSelf: true });
    expect(created.status).toBe(202);
    await pipeline.idle();
    const first = await view(created.body.send.id);
    expect(first.status).toBe('sending');
    expect(first.pausedUntil).toBe(clock.now() + MAX_PAUSE_MS);

    clock.advance(MAX_PAUSE_MS + 1_000);
    expect(await pipeline.recoverInterruptedSends({ whileRunning: true })).toMatchObject({ resumed: 1, uncertainChunks: 0 });
    await pipeline.idle();
    const again = await view(created.body.send.id);
    expect([again.status, again.pausedUntil]).toEqual(['sending', clock.now() + MAX_PAUSE_MS]);
    expect(pushed(text)).toEqual([]);

    // Cancelled while paused: final, and nothing goes once the method is free again.
    const cancelled = await post(`/sends/${created.body.send.id}/cancel`, {});
    expect([cancelled.status, cancelled.body.send.status, cancelled.body.send.pausedUntil, cancelled.body.send.pendingCount]).toEqual([200, 'cancelled', null, 1]);
    portal().blockMethod(PUSH, clock.now());
    clock.advance(MAX_PAUSE_MS + 1_000);
    expect(await pipeline.recoverInterruptedSends()).toMatchObject({ resumed: 0 });
    await pipeline.idle();
    expect(pushed(text)).toEqual([]);
  });

  it('a send paused on its pushes is cancelled with 200: its pending recipients are never sent to, a second cancel is 409', async () => {
    const text = `Paused push ${randomUUID()}`;
    portal().blockMethod(PUSH, clock.now() + 7 * 60_000);
    const created = await post('/sends', { idempotencyKey: randomUUID(), text, audience: { users: recipients(7) } });
    await pipeline.idle();
    const paused = await view(created.body.send.id);
    expect(paused).toMatchObject({ status: 'sending', recipientCount: 7, pendingCount: 7 });
    expect(paused.pausedUntil).not.toBeNull();

    const cancelled = await post(`/sends/${created.body.send.id}/cancel`, {});
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.send).toMatchObject({ status: 'cancelled', pausedUntil: null, acceptedCount: 0, uncertainCount: 0, failedCount: 0, pendingCount: 7, error: null });
    const twice = await post(`/sends/${created.body.send.id}/cancel`, {});
    expect([twice.status, twice.body.error, twice.body.detail]).toEqual([409, 'NOT_CANCELLABLE', 'This send was already cancelled.']);

    clock.advance(8 * 60_000);
    expect(await pipeline.recoverInterruptedSends()).toMatchObject({ resumed: 0 });
    await pipeline.idle();
    expect(pushed(text)).toEqual([]);
    expect(await view(created.body.send.id)).toMatchObject({ status: 'cancelled', pendingCount: 7 });
  });

  it('a send paused while its audience was read (nothing recorded to push yet) is cancelled too', async () => {
    const text = `Paused audience ${randomUUID()}`;
    portal().blockMethod('user.get', YEAR_33658);
    const created = await post('/sends', { idempotencyKey: randomUUID(), text, audience: { users: recipients(4) } });
    await pipeline.idle();
    const paused = await view(created.body.send.id);
    expect([paused.status, paused.pausedUntil]).toEqual(['queued', clock.now() + MAX_PAUSE_MS]);
    const cancelled = await post(`/sends/${created.body.send.id}/cancel`, {});
    expect([cancelled.status, cancelled.body.send.status, cancelled.body.send.recipientCount]).toEqual([200, 'cancelled', null]);
    portal().blockMethod('user.get', clock.now());
    clock.advance(MAX_PAUSE_MS + 1_000);
    expect(await pipeline.recoverInterruptedSends()).toMatchObject({ resumed: 0 });
    expect(pushed(text)).toEqual([]);
  });
});
