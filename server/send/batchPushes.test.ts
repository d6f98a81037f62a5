import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, type Stack } from '../../scripts/stack.js';
import { fixtureClientPages } from '../../test/support/fixturePages.js';
import { firstAdmin, isRecipient, postInstall } from '../../test/support/directory.js';
import type { SimPortal } from '../../simulator/contract.js';
import { composeParts } from '../composition.js';
import { createLogger } from '../logger.js';
import { PUSH_METHOD } from './sendPipeline.js';

/**
 * Pushes inside `batch`, against the simulator as the core runs it: each command's query string parsed
 * by parse_str, which keeps PHP's max_input_vars (1,000) variables (decision 0010, fact 24).
 */

let stack: Stack;
let portal: SimPortal;

beforeAll(async () => {
  stack = await startStack({ pages: fixtureClientPages(), portals: [{ label: 'big', users: 2_600, seed: 5 }], sends: { scheduler: false, recoverAtStart: false } });
  portal = stack.sim.portal('big');
  expect(await postInstall(portal)).toBe(200);
});

afterAll(async () => {
  await stack?.close();
});

const recipients = () => portal.directory.users.filter(isRecipient).map((user) => user.id);
const logger = createLogger({ level: 'silent' });

/** Sends to every recipient through a pipeline with these settings; the send and the portal's REST calls it made. */
async function sendToEverybody(settings: { chunkSize?: number }) {
  const parts = composeParts({ config: stack.config, logger, store: stack.store, database: stack.database, now: () => stack.sim.clock.now(), sends: { scheduler: false, recoverAtStart: false, ...settings } });
  portal.resetCounters();
  const text = `Batch ${randomUUID()}`;
  const submission = await parts.pipeline!.submit({ memberId: portal.memberId, senderId: firstAdmin(portal).id, idempotencyKey: randomUUID(), text, audience: { all: true } });
  const send = await submission.done;
  const calls = portal.requestLog.filter((entry) => !entry.viaBatch && !entry.method.startsWith('/'));
  const pushCalls = portal.requestLog.filter((entry) => entry.viaBatch && entry.method === PUSH_METHOD);
  return { send, text, calls, pushCalls, chunks: await parts.sendStore.listChunks(send.id) };
}

it('a send to every employee pushes its chunks of 990 in one batch call; everybody once', async () => {
  const everybody = recipients();
  expect(everybody.length).toBeGreaterThan(1_980);
  const { send, text, calls, pushCalls, chunks } = await sendToEverybody({});
  expect(send).toMatchObject({ status: 'sent', recipientCount: everybody.length });
  expect(chunks.map((chunk) => chunk.size)).toEqual([990, 990, everybody.length - 1_980]);
  // The audience costs its own calls (user.get in batch); the pushes cost one.
  expect(calls.filter((call) => call.method === 'batch').length).toBeGreaterThanOrEqual(2);
  expect(calls.filter((call) => call.method === PUSH_METHOD)).toHaveLength(0);
  expect(pushCalls).toHaveLength(3);
  // Each recipient with the mobile app's pushes on gets it once (the others are accepted by Bitrix24 and reach no phone).
  const reachable = new Set(portal.directory.users.filter((user) => everybody.includes(user.id) && user.pushEnabled).map((user) => user.id));
  const pushed = portal.pushes.filter((push) => push.text === text).map((push) => push.userId);
  expect(pushed.length).toBe(reachable.size);
  expect(new Set(pushed)).toEqual(reachable);
});

it('1,000 ids in a batch command would pass max_input_vars: the portal drops TEXT, refuses the push, and nobody gets part of it', async () => {
  const { send, text, chunks } = await sendToEverybody({ chunkSize: 1_000 });
  const [first, second, rest] = chunks;
  expect([first, second].map((chunk) => [chunk!.size, chunk!.status, chunk!.errorCode])).toEqual([
    [1_000, 'failed', 'TEXT_ERROR'],
    [1_000, 'failed', 'TEXT_ERROR'],
  ]);
  expect(rest).toMatchObject({ status: 'accepted' });
  expect(send).toMatchObject({ status: 'partly_failed', errorCode: 'TEXT_ERROR' });
  const refused = new Set([...first!.userIds, ...second!.userIds]);
  expect(portal.pushes.filter((push) => push.text === text && refused.has(push.userId))).toHaveLength(0);
});
