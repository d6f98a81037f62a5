import { afterEach, expect, it } from 'vitest';
import { rest, startTestSimulator } from './testSupport.js';
import type { SimulatorImpl } from './simulator.js';
import type { OperatingBudget } from './operatingTime.js';

/**
 * Operating-time limits as limits.md (2026) and the core's LoadLimiter describe them: ten one-minute
 * baskets per application (or webhook) and method; over the budget the method is refused before it runs,
 * with 429 OPERATION_TIME_LIMIT and no `time`; a basket leaves the count 10 minutes after its first call.
 */
let sim: SimulatorImpl | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** Clock on a whole minute, so baskets and whole seconds line up with the test's arithmetic. */
const START = Date.UTC(2026, 0, 15, 9, 0, 0);

async function meteredPortal(budget: Partial<OperatingBudget>) {
  const started = await startTestSimulator({ portals: [{ label: 'metered', users: 12, preinstalled: true, operatingBudget: budget }] });
  sim = started.sim;
  const portal = sim.portal('metered');
  return { portal, clock: started.clock, token: () => portal.issueTokens(1).access_token };
}

type Time = { operating: number; operating_reset_at: number };

it('answers carry time.operating and operating_reset_at (the first call of the oldest basket + 10 minutes); past the budget the method answers 429 OPERATION_TIME_LIMIT without time, for this application only', async () => {
  const { portal, clock, token } = await meteredPortal({ budgetSeconds: 0.1, costMs: () => 20 });
  expect(clock.now()).toBe(START);
  const first = await rest(portal, 'profile', {}, token());
  expect(first.body.time as Time).toMatchObject({ operating: 0.02, operating_reset_at: (START + 600_000) / 1000 });
  clock.advance(61_500);
  // A second basket: the reset stays the oldest basket's.
  for (let i = 0; i < 5; i += 1) expect(((await rest(portal, 'profile', {}, token())).body.time as Time).operating_reset_at).toBe((START + 600_000) / 1000);
  const blocked = await rest(portal, 'profile', {}, token());
  // CRestServer::processCall throws RestException(…, ERROR_OPERATION_TIME_LIMIT, 429): error and description only.
  expect([blocked.status, blocked.body]).toEqual([429, { error: 'OPERATION_TIME_LIMIT', error_description: 'Method is blocked due to operation time limit.' }]);
  // Other methods go on, and so does a webhook calling the same method (its own budget).
  expect((await rest(portal, 'app.info', {}, token())).status).toBe(200);
  const webhook = portal.createWebhook(1);
  expect((await fetch(`${webhook}profile.json`, { method: 'POST' })).status).toBe(200);
  // The oldest basket (20 ms) leaves at its reset: 100 ms left, not over the budget.
  clock.set(START + 600_000);
  const again = await rest(portal, 'profile', {}, token());
  expect(again.status).toBe(200);
  expect((again.body.time as Time).operating_reset_at).toBe(Math.floor((START + 61_500 + 600_000) / 1000));
});

it('a call at operating_reset_at may still be refused: the later baskets keep the sum over the budget until their own reset', async () => {
  // The call that takes the sum over the budget still runs (limits.md): a costly one leaves a later basket over the budget by itself.
  const costs = [10, 50, 60];
  const { portal, clock, token } = await meteredPortal({ budgetSeconds: 0.1, costMs: (method) => (method === 'profile' ? (costs.shift() ?? 0) : 0) });
  const announced: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    const reply = await rest(portal, 'profile', {}, token());
    expect(reply.status).toBe(200);
    announced.push((reply.body.time as Time).operating_reset_at);
    clock.advance(60_000);
  }
  // 10 + 50 + 60 ms > 100 ms.
  expect((await rest(portal, 'profile', {}, token())).status).toBe(429);
  expect(new Set(announced)).toEqual(new Set([(START + 600_000) / 1000]));
  clock.set(announced[0]! * 1000);
  // The first basket left; 50 + 60 ms are still over the budget.
  expect((await rest(portal, 'profile', {}, token())).status).toBe(429);
  clock.set(START + 60_000 + 600_000);
  expect((await rest(portal, 'profile', {}, token())).status).toBe(200);
});

it('inside batch each command is metered and refused on its own, with its own operating time in result_time; batch itself is not', async () => {
  const { portal, token } = await meteredPortal({ budgetSeconds: 0.05, costMs: (method) => (method === 'user.get' ? 30 : 0) });
  const reply = await rest(portal, 'batch', { halt: 0, cmd: { a: 'user.get', b: 'user.get', c: 'user.get', d: 'app.info' } }, token());
  const body = reply.body.result as { result: Record<string, unknown>; result_error: Record<string, unknown>; result_time: Record<string, Time> };
  expect(Object.keys(body.result)).toEqual(['a', 'b', 'd']);
  expect(body.result_error).toEqual({ c: { error: 'OPERATION_TIME_LIMIT', error_description: 'Method is blocked due to operation time limit.' } });
  expect(body.result_time.b).toMatchObject({ operating: 0.06, operating_reset_at: (START + 600_000) / 1000 });
  expect((await rest(portal, 'batch', { cmd: { x: 'app.info' } }, token())).status).toBe(200);
});

it('blockMethod blocks a method outright until the given time and says so, also inside batch', async () => {
  const { portal, clock, token } = await meteredPortal({});
  portal.blockMethod('user.get', clock.now() + 60_000);
  const direct = await rest(portal, 'user.get', {}, token());
  expect([direct.status, direct.body.error, (direct.body.time as Time).operating_reset_at]).toEqual([429, 'OPERATION_TIME_LIMIT', (START + 60_000) / 1000]);
  const batch = await rest(portal, 'batch', { cmd: { a: 'user.get', b: 'app.info' } }, token());
  const result = batch.body.result as { result_error: Record<string, { error: string }>; result: Record<string, unknown> };
  expect(result.result_error.a?.error).toBe('OPERATION_TIME_LIMIT');
  expect(result.result.b).toBeTruthy();
  clock.advance(60_001);
  expect((await rest(portal, 'user.get', {}, token())).status).toBe(200);
});
