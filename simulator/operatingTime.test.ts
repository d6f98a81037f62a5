import { afterAll, beforeAll, expect, it } from 'vitest';
import { rest, startTestSimulator } from './testSupport.js';
import type { SimulatorImpl } from './simulator.js';
import type { ManualClock } from './clock.js';

/** Operating-time limits as limits.md describes them: a method over its budget is blocked, answering before it runs. */
let sim: SimulatorImpl;
let clock: ManualClock;

beforeAll(async () => {
  ({ sim, clock } = await startTestSimulator({ portals: [{ label: 'metered', users: 12, preinstalled: true, operatingBudget: { budgetSeconds: 0.1, windowMs: 600_000, costMs: () => 20 } }] }));
});

afterAll(async () => {
  await sim?.close();
});

it('answers carry time.operating and operating_reset_at; past the budget the method answers 429 OPERATION_TIME_LIMIT until the reset', async () => {
  const portal = sim.portal('metered');
  const token = portal.issueTokens(1).access_token;
  const first = await rest(portal, 'profile', {}, token);
  const startedAt = clock.now();
  expect((first.body.time as { operating: number }).operating).toBeCloseTo(0.02);
  expect((first.body.time as { operating_reset_at: number }).operating_reset_at).toBe(Math.ceil((startedAt + 600_000) / 1000));
  for (let i = 0; i < 5; i += 1) await rest(portal, 'profile', {}, token);
  const blocked = await rest(portal, 'profile', {}, token);
  expect([blocked.status, blocked.body.error]).toEqual([429, 'OPERATION_TIME_LIMIT']);
  expect((blocked.body.time as { operating_reset_at: number }).operating_reset_at).toBe(Math.ceil((startedAt + 600_000) / 1000));
  // Other methods go on; the blocked one answers again once its budget is released.
  expect((await rest(portal, 'app.info', {}, token)).status).toBe(200);
  clock.advance(600_001);
  expect((await rest(portal, 'profile', {}, portal.issueTokens(1).access_token)).status).toBe(200);
});

it('blockMethod blocks a method outright until the given time, also inside batch', async () => {
  const portal = sim.portal('metered');
  clock.advance(600_001);
  portal.blockMethod('user.get', clock.now() + 60_000);
  const token = portal.issueTokens(1).access_token;
  const direct = await rest(portal, 'user.get', {}, token);
  expect([direct.status, direct.body.error]).toEqual([429, 'OPERATION_TIME_LIMIT']);
  const batch = await rest(portal, 'batch', { cmd: { a: 'user.get', b: 'app.info' } }, token);
  const result = batch.body.result as { result_error: Record<string, { error: string }>; result: Record<string, unknown> };
  expect(result.result_error.a?.error).toBe('OPERATION_TIME_LIMIT');
  expect(result.result.b).toBeTruthy();
  clock.advance(60_001);
  expect((await rest(portal, 'user.get', {}, portal.issueTokens(1).access_token)).status).toBe(200);
});
