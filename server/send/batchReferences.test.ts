import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Stack } from '../../scripts/stack.js';
import { ManualClock } from '../../simulator/index.js';
import { forEachDatabase } from '../../test/support/databases.js';
import { firstAdmin, isRecipient, postInstall } from '../../test/support/directory.js';
import { startStackOnClock } from '../../test/support/stacks.js';
import { PUSH_METHOD, type SendPipeline } from './sendPipeline.js';

/**
 * Inside `batch` the portal replaces `$result[…]`, `$next[…]`, `$total[…]`, `$time[…]` and `$error[…]`
 * references in every command's values (CRestUtil::processBatchElement; decision 0010, fact 30), with no
 * escape. A push whose text (or avatar) holds one goes out in direct calls, so the phones get it exactly
 * as written. Through the simulator, which rewrites batch commands as the core does, on SQLite and
 * PostgreSQL.
 */
forEachDatabase('batch references in push texts', (getDb) => {
  let stack: Stack;
  let pipeline: SendPipeline;
  const clock = new ManualClock(Date.UTC(2026, 11, 9, 9, 0, 0));

  beforeAll(async () => {
    stack = await startStackOnClock(getDb(), clock, {
      portals: [{ label: 'one', users: 40 }],
      // Three chunks of two: a batch of three pushes (c0, c1, c2) unless the text says otherwise.
      sends: { scheduler: false, recoverAtStart: false, chunkSize: 2 },
    });
    expect(await postInstall(stack.sim.portal('one'))).toBe(200);
    pipeline = stack.parts.pipeline!;
  });

  afterAll(async () => {
    await pipeline?.idle();
    await stack?.close();
  });

  const portal = () => stack.sim.portal('one');
  const reachable = () => portal().directory.users.filter((user) => isRecipient(user) && user.pushEnabled).slice(0, 6).map((user) => user.id);

  /** Sends `text` to six reachable employees: the send, who they are, how the pushes went (direct calls or batch commands), what arrived. */
  async function sendToSix(text: string) {
    const since = clock.now();
    const before = portal().requestLog.length;
    const ids = reachable();
    const send = await (await pipeline.submit({ memberId: portal().memberId, senderId: firstAdmin(portal()).id, idempotencyKey: randomUUID(), text, audience: { users: ids } })).done;
    const pushCalls = portal().requestLog.slice(before).filter((entry) => entry.method === PUSH_METHOD);
    const received = portal().pushes.filter((push) => ids.includes(push.userId) && push.at >= since);
    return { send, ids, pushes: { direct: pushCalls.filter((entry) => !entry.viaBatch).length, inBatch: pushCalls.filter((entry) => entry.viaBatch).length }, received };
  }

  it('a text holding $result[c0], $TOTAL[x], $time[c0][date_start] or $error[c0][error] reaches every phone unchanged', async () => {
    const text = `Totals ${randomUUID()}: $result[c0] $TOTAL[x] $time[c0][date_start] $Error[c0][error] $next[c1]`;
    const { send, ids, pushes, received } = await sendToSix(text);
    expect(send).toMatchObject({ status: 'sent', recipientCount: 6 });
    expect(received.filter((push) => push.text.startsWith('Totals')).map((push) => [push.userId, push.text])).toEqual(ids.map((id) => [id, text]));
    expect(pushes).toEqual({ direct: 3, inBatch: 0 });
  });

  it('a text that is a reference alone ($TOTAL[x]) is pushed as written, not emptied', async () => {
    const text = '$TOTAL[x]';
    const { send, ids, received } = await sendToSix(text);
    expect(send).toMatchObject({ status: 'sent', recipientCount: 6 });
    expect(received.filter((push) => push.text === text).map((push) => push.userId)).toEqual(ids);
  });

  it('any other text still goes in one batch call', async () => {
    const text = `Plain ${randomUUID()}: costs $5 [each], $TOTAL without a key`;
    const { send, ids, pushes, received } = await sendToSix(text);
    expect(send).toMatchObject({ status: 'sent', recipientCount: 6 });
    expect(pushes).toEqual({ direct: 0, inBatch: 3 });
    expect(received.filter((push) => push.text === text).map((push) => push.userId)).toEqual(ids);
  });
});
