import { afterEach, describe, expect, it } from 'vitest';
import { parsePhpQuery } from './phpParams.js';
import type { SimulatorImpl } from './simulator.js';
import { rest, startTestSimulator } from './testSupport.js';

let sim: SimulatorImpl | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function setup(rateLimit = { burst: 10_000, drainPerSecond: 1000 }) {
  const started = await startTestSimulator({ portals: [{ users: 120, preinstalled: true, rateLimit }] });
  sim = started.sim;
  const portal = sim.portal();
  return { portal, clock: started.clock, token: portal.issueTokens(1).access_token };
}

type BatchResult = { result: unknown; result_error: unknown; result_total: unknown; result_next: unknown; result_time: unknown };

describe('PHP parameter parsing', () => {
  it('parses bracketed keys like PHP', () => {
    expect(parsePhpQuery('USER_ID[]=1&USER_ID[]=2&FILTER[ACTIVE]=true&FILTER[UF_DEPARTMENT][0]=5&a.b=1&sort=ID&x=%D0%90+b')).toEqual({
      USER_ID: ['1', '2'],
      FILTER: { ACTIVE: 'true', UF_DEPARTMENT: ['5'] },
      a_b: '1',
      sort: 'ID',
      x: 'А b',
    });
    expect(parsePhpQuery('cmd[a]=user.get%3FID%3D1&cmd[b]=profile')).toEqual({ cmd: { a: 'user.get?ID=1', b: 'profile' } });
    expect(parsePhpQuery('m[2]=x&m[]=y')).toEqual({ m: { '2': 'x', '3': 'y' } });
  });
});

describe('batch', () => {
  it('runs up to 50 sub-calls with per-call result, total, next and time; logs each sub-call', async () => {
    const { portal, token } = await setup();
    const cmd: Record<string, string> = {};
    for (let i = 0; i < 50; i++) cmd[`page${i}`] = `user.get?start=${i * 50}&FILTER[ACTIVE]=Y`;
    portal.resetCounters();
    const reply = await rest(portal, 'batch', { halt: 0, cmd }, token);
    expect(reply.status).toBe(200);
    expect(reply.body.time).toBeTruthy();
    const result = reply.body.result as BatchResult;
    expect(Object.keys(result.result as object)).toHaveLength(50);
    expect(result.result_error).toEqual([]);
    expect((result.result_total as Record<string, number>).page0).toBeGreaterThan(50);
    expect((result.result_next as Record<string, number>).page0).toBe(50);
    expect(Object.keys(result.result_time as object)).toHaveLength(50);
    expect(portal.counters()).toEqual({ batch: 1, 'user.get': 50 });
    expect(portal.requestLog.filter((e) => e.viaBatch)).toHaveLength(50);
  });

  it('encodes results of a list cmd as JSON lists, like PHP', async () => {
    const { portal, token } = await setup();
    const reply = await rest(portal, 'batch', { cmd: ['profile', 'user.admin'] }, token);
    const result = reply.body.result as BatchResult;
    expect(Array.isArray(result.result)).toBe(true);
    expect((result.result as unknown[])[1]).toBe(true);
  });

  it('runs the first 50 sub-calls and fails each one beyond with ERROR_BATCH_LENGTH_EXCEEDED, like the core', async () => {
    // rest module, classes/general/rest_provider.php, CRestProvider::methodsBatch: commands past
    // CRestUtil::BATCH_MAX_LENGTH are not run; each gets its own entry in result_error.
    const { portal, token } = await setup();
    const exceeded = { error: 'ERROR_BATCH_LENGTH_EXCEEDED', error_description: 'Max batch length exceeded' };
    const cmd = Array.from({ length: 52 }, () => 'user.admin');
    portal.resetCounters();
    const reply = await rest(portal, 'batch', { cmd }, token);
    expect(reply.status).toBe(200);
    const result = reply.body.result as BatchResult;
    expect(result.result).toEqual(Array.from({ length: 50 }, () => true));
    // Keys 50 and 51 are not 0..n-1, so PHP encodes result_error as an object.
    expect(result.result_error).toEqual({ '50': exceeded, '51': exceeded });
    expect(Object.keys(result.result_time as object)).toHaveLength(50);
    expect(portal.counters()).toEqual({ batch: 1, 'user.admin': 50 });
    expect(portal.requestLog.filter((e) => e.viaBatch)).toHaveLength(50);

    // Named commands keep their keys; halt stops at the first command over the limit.
    const named: Record<string, string> = {};
    for (let i = 0; i < 51; i++) named[`c${i}`] = 'user.admin';
    named.after = 'user.admin';
    const halted = (await rest(portal, 'batch', { halt: 1, cmd: named }, token)).body.result as BatchResult;
    expect(Object.keys(halted.result as object)).toHaveLength(50);
    expect(halted.result_error).toEqual({ c50: exceeded });
  });

  it('refuses a nested batch and reports sub-call errors in result_error; halt stops at the first', async () => {
    const { portal, token } = await setup();
    const cmd = { a: 'profile', nested: 'batch?cmd[x]=profile', missing: 'no.such.method', push: 'pull.application.push.add?TEXT=', z: 'user.admin' };
    const reply = await rest(portal, 'batch', { halt: 0, cmd }, token);
    const result = reply.body.result as BatchResult;
    expect(Object.keys(result.result as object)).toEqual(['a', 'z']);
    expect(result.result_error).toEqual({
      nested: { error: 'ERROR_BATCH_METHOD_NOT_ALLOWED', error_description: 'Method is not allowed for batch usage' },
      missing: { error: 'ERROR_METHOD_NOT_FOUND', error_description: 'Method not found!' },
      push: { error: 'TEXT_ERROR', error_description: "Text can't be empty" },
    });
    const halted = await rest(portal, 'batch', { halt: 1, cmd }, token);
    const haltedResult = halted.body.result as BatchResult;
    expect(Object.keys(haltedResult.result as object)).toEqual(['a']);
    expect(Object.keys(haltedResult.result_error as object)).toEqual(['nested']);
  });

  it('checks scope per sub-call and passes $result values on', async () => {
    const { portal } = await setup();
    const pullOnly = portal.issueTokens(1, { scope: ['pull'] }).access_token;
    const reply = await rest(portal, 'batch', { cmd: { me: 'profile', users: 'user.get' } }, pullOnly);
    expect((reply.body.result as BatchResult).result_error).toEqual({
      users: { error: 'insufficient_scope', error_description: expect.any(String) },
    });
    const full = portal.issueTokens(1).access_token;
    const chained = await rest(portal, 'batch', { cmd: { me: 'profile', again: 'user.get?ID=$result[me][ID]' } }, full);
    expect(((chained.body.result as BatchResult).result as Record<string, Array<{ ID: string }>>).again?.[0]?.ID).toBe('1');
  });
});

describe('rate limit', () => {
  it('allows a burst of 50, then answers 503 QUERY_LIMIT_EXCEEDED, and drains at 2 per second', async () => {
    const { portal, clock, token } = await setup({ burst: 50, drainPerSecond: 2 });
    for (let i = 0; i < 50; i++) expect((await rest(portal, 'profile', {}, token)).status).toBe(200);
    const refused = await rest(portal, 'profile', {}, token);
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({ error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' });
    clock.advance(500);
    expect((await rest(portal, 'profile', {}, token)).status).toBe(200);
    expect((await rest(portal, 'profile', {}, token)).status).toBe(503);
    clock.advance(2000);
    for (let i = 0; i < 4; i++) expect((await rest(portal, 'profile', {}, token)).status).toBe(200);
    expect((await rest(portal, 'profile', {}, token)).status).toBe(503);
  });

  it('counts a batch of 50 as one request', async () => {
    const { portal, token } = await setup({ burst: 3, drainPerSecond: 0.001 });
    const cmd = Array.from({ length: 50 }, () => 'profile');
    for (let i = 0; i < 3; i++) expect((await rest(portal, 'batch', { cmd }, token)).status).toBe(200);
    expect((await rest(portal, 'batch', { cmd }, token)).body.error).toBe('QUERY_LIMIT_EXCEEDED');
  });
});

describe('fault injection', () => {
  it('fails the next K calls of a method as told, then recovers', async () => {
    const { portal, token } = await setup();
    portal.injectFault({ method: 'user.get', count: 2, httpStatus: 500, error: 'INTERNAL_SERVER_ERROR', description: 'boom' });
    expect((await rest(portal, 'profile', {}, token)).status).toBe(200);
    const first = await rest(portal, 'user.get', {}, token);
    expect([first.status, first.body.error, first.body.error_description]).toEqual([500, 'INTERNAL_SERVER_ERROR', 'boom']);
    expect((await rest(portal, 'user.get', {}, token)).status).toBe(500);
    expect((await rest(portal, 'user.get', {}, token)).status).toBe(200);
    expect(portal.requestLog.filter((e) => e.method === 'user.get').map((e) => e.httpStatus)).toEqual([500, 500, 200]);
  });

  it('applies to batch sub-calls and to any method when none is named; clearFaults removes them', async () => {
    const { portal, token } = await setup();
    portal.injectFault({ method: 'pull.application.push.add', count: 1, httpStatus: 503, error: 'QUERY_LIMIT_EXCEEDED' });
    const reply = await rest(portal, 'batch', { cmd: { a: 'pull.application.push.add?USER_ID=2&TEXT=x', b: 'pull.application.push.add?USER_ID=2&TEXT=y' } }, token);
    const result = reply.body.result as BatchResult;
    expect(result.result_error).toEqual({ a: { error: 'QUERY_LIMIT_EXCEEDED', error_description: '' } });
    expect(result.result).toEqual({ b: true });
    portal.injectFault({ count: 5, httpStatus: 500, error: 'INTERNAL_SERVER_ERROR' });
    expect((await rest(portal, 'app.info', {}, token)).status).toBe(500);
    portal.clearFaults();
    expect((await rest(portal, 'app.info', {}, token)).status).toBe(200);
  });

  it('can drop the connection', async () => {
    const { portal, token } = await setup();
    portal.injectFault({ method: 'profile', count: 1, httpStatus: 0, error: 'NETWORK', network: true });
    await expect(rest(portal, 'profile', {}, token)).rejects.toThrow();
    expect((await rest(portal, 'profile', {}, token)).status).toBe(200);
  });

  it('can be driven over HTTP from another process', async () => {
    const { portal, token } = await setup();
    const post = (path: string, body: unknown) =>
      fetch(`${portal.origin}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/_sim/faults', { method: 'profile', count: 1, httpStatus: 401, error: 'expired_token' })).status).toBe(200);
    expect((await rest(portal, 'profile', {}, token)).body.error).toBe('expired_token');
    await post('/_sim/app-name', { name: 'Renamed' });
    expect(portal.appName).toBe('Renamed');
    const state = (await (await fetch(`${portal.origin}/_sim/state`)).json()) as Record<string, unknown>;
    expect(state).toMatchObject({ memberId: portal.memberId, installState: 'installed', appName: 'Renamed' });
    const counters = (await (await fetch(`${portal.origin}/_sim/counters`)).json()) as { counters: Record<string, number> };
    expect(counters.counters.profile).toBe(1);
    const advanced = (await (await post('/_sim/clock/advance', { ms: 3600_000 })).json()) as { now: number };
    expect(advanced.now).toBe(sim!.clock.now());
    expect((await rest(portal, 'profile', {}, token)).body.error).toBe('expired_token');
  });
});
