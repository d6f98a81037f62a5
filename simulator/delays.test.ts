import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimPortalImpl } from './portal.js';
import type { SimulatorImpl } from './simulator.js';
import { rest, startTestSimulator } from './testSupport.js';

/** `delayCalls`: a slow portal (e2e/safety-nets.spec.ts delays the audience preview's `user.get` by 2 s). */

let sim: SimulatorImpl;
let portal: SimPortalImpl;
let admin: string;

beforeAll(async () => {
  ({ sim } = await startTestSimulator({ portals: [{ label: 'slow', users: 30, preinstalled: true, rateLimit: { burst: 100_000, drainPerSecond: 1000 } }] }));
  portal = sim.portal('slow');
  admin = portal.issueTokens(1).access_token;
});
afterAll(async () => {
  await sim.close();
});

/** Which of the calls answered first, in order. */
async function answerOrder(calls: Record<string, () => Promise<unknown>>): Promise<string[]> {
  const order: string[] = [];
  await Promise.all(Object.entries(calls).map(([name, call]) => call().then(() => order.push(name))));
  return order;
}

describe('delayed calls', () => {
  it('answer normally, after calls that started later; only `count` calls of that method, then none', async () => {
    portal.delayCalls({ method: 'user.get', count: 1, delayMs: 1_500 });
    const order = await answerOrder({
      slow: async () => expect((await rest(portal, 'user.get', { FILTER: { ID: [1] } }, admin)).body.result).toHaveLength(1),
      other: async () => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect((await rest(portal, 'profile', {}, admin)).status).toBe(200);
      },
    });
    expect(order).toEqual(['other', 'slow']);
    const next = await answerOrder({
      again: () => rest(portal, 'user.get', { FILTER: { ID: [1] } }, admin),
      later: async () => {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        await rest(portal, 'profile', {}, admin);
      },
    });
    expect(next).toEqual(['again', 'later']);
  });

  it('slow a sub-call of batch down under its own method; clearFaults ends a delay', async () => {
    portal.delayCalls({ method: 'user.get', count: 5, delayMs: 1_500 });
    const order = await answerOrder({
      batch: async () => {
        const reply = await rest(portal, 'batch', { cmd: { a: 'user.get?FILTER[ID]=1' } }, admin);
        expect((reply.body.result as { result: { a: unknown[] } }).result.a).toHaveLength(1);
      },
      other: async () => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        await rest(portal, 'profile', {}, admin);
      },
    });
    expect(order).toEqual(['other', 'batch']);
    portal.clearFaults();
    const cleared = await answerOrder({
      unslowed: () => rest(portal, 'user.get', { FILTER: { ID: [1] } }, admin),
      later: async () => {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        await rest(portal, 'profile', {}, admin);
      },
    });
    expect(cleared).toEqual(['unslowed', 'later']);
  });
});
