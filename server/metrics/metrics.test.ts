import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../scripts/stack.js';
import { ManualClock } from '../../simulator/index.js';
import type { SimPortal } from '../../simulator/contract.js';
import { fixtureClientPages } from '../../test/support/fixturePages.js';
import { firstAdmin, isRecipient, postInstall } from '../../test/support/directory.js';
import { forEachDatabase } from '../../test/support/databases.js';
import { createLogger } from '../logger.js';
import { MEMBER_ID_HEADER } from '../api/frameAuth.js';

/**
 * GET /metrics through the real stack: not served without METRICS_TOKEN, refused without it, and with it
 * a scrape shows what a real send did (its REST call, its chunk, its final status, the statements), a
 * scheduled send's lag and a token refresh, on both databases.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of Prometheus's text format (comments skipped). */
function parseSamples(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((label) => [label[1]!, label[2]!]));
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
}

/** A sample's value (0 when the series has not appeared yet). */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.find((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
  return found?.value ?? 0;
}

describe('GET /metrics without METRICS_TOKEN', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ pages: fixtureClientPages(), portals: [], sends: { scheduler: false, recoverAtStart: false } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('is not served (404), whatever the request carries', async () => {
    expect((await fetch(`${stack.appUrl}/metrics`)).status).toBe(404);
    expect((await fetch(`${stack.appUrl}/metrics`, { headers: { Authorization: `Bearer ${'x'.repeat(40)}` } })).status).toBe(404);
  });
});

forEachDatabase('GET /metrics', (getDb) => {
  const token = randomBytes(24).toString('hex');
  const clock = new ManualClock(Date.UTC(2031, 4, 12, 8, 0));
  const logLines: { level: number; req?: { path: string }; res?: { statusCode: number } }[] = [];
  let stack: Stack;
  let portal: SimPortal;
  let admin: number;

  beforeAll(async () => {
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(JSON.parse(chunk.toString()) as (typeof logLines)[number]);
        done();
      },
    });
    stack = await startStack({
      pages: fixtureClientPages(),
      databaseUrl: getDb().url,
      clock,
      portals: [{ label: 'measured', users: 30 }],
      environment: { METRICS_TOKEN: token },
      logger: createLogger({ level: 'info', destination }),
      // The scheduler is ticked by hand: a scheduled send is claimed when the test says.
      sends: { scheduler: false, recoverAtStart: false },
    });
    portal = stack.sim.portal('measured');
    admin = firstAdmin(portal).id;
    expect(await postInstall(portal, admin)).toBe(200);
  });

  afterAll(async () => {
    await stack?.close();
  });

  const scrape = (authorization?: string) => fetch(`${stack.appUrl}/metrics`, { headers: authorization ? { Authorization: authorization } : {} });

  async function samples(): Promise<Sample[]> {
    const response = await scrape(`Bearer ${token}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseSamples(await response.text());
  }

  /** POST /api/sends as the admin (a fresh frame token each time: the clock moves), then waits until the pipeline is idle. */
  async function send(body: Record<string, unknown>): Promise<Response & { pushText: string }> {
    const headers = { Authorization: `Bearer ${portal.issueTokens(admin).access_token}`, [MEMBER_ID_HEADER]: portal.memberId, 'Content-Type': 'application/json' };
    const text = `measured ${randomUUID()}`;
    const response = await fetch(`${stack.appUrl}/api/sends`, { method: 'POST', headers, body: JSON.stringify({ idempotencyKey: randomUUID(), text, ...body }) });
    await response.arrayBuffer();
    await stack.parts.pipeline!.idle();
    return Object.assign(response, { pushText: text });
  }
  const threeRecipients = () => portal.directory.users.filter(isRecipient).slice(0, 3).map((user) => user.id);

  it('refuses a scrape without the token or with a wrong one (401, the usual error shape)', async () => {
    for (const authorization of [undefined, `Bearer ${token.slice(0, -1)}x`, `Bearer ${token}x`, `Basic ${token}`, token]) {
      const response = await scrape(authorization);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await response.json()).toEqual({ error: 'AUTH_REQUIRED', message: expect.any(String) });
    }
  });

  it('shows a real send: its push call, its accepted chunk, its final status and the statements it cost', async () => {
    const before = await samples();
    const recipients = threeRecipients();
    const response = await send({ audience: { users: recipients } });
    expect(response.status).toBe(201);
    expect(portal.pushes.filter((push) => push.text === response.pushText).map((push) => push.userId).sort()).toEqual([...recipients].sort());
    const after = await samples();

    const delta = (name: string, labels: Record<string, string> = {}) => valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(delta('teampush_rest_calls_total', { method: 'pull.application.push.add', code: 'ok' })).toBe(1);
    expect(delta('teampush_sends_finished_total', { status: 'sent' })).toBe(1);
    expect(delta('teampush_chunks_total', { outcome: 'accepted' })).toBe(1);
    expect(delta('teampush_chunks_total', { outcome: 'failed' })).toBe(0);
    expect(delta('teampush_db_statements_total')).toBeGreaterThan(0);
    expect(delta('teampush_db_round_trips_total')).toBeGreaterThan(0);
    expect(valueOf(after, 'teampush_db_statements_total')).toBe(stack.database.statements.executed);
    // Every REST call waits its turn at the portal's pace (a count, not a time: nothing here is timed).
    expect(delta('teampush_rest_limit_wait_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(valueOf(after, 'teampush_db_pool_waiting')).toBe(0);
    if (getDb().kind === 'postgres') expect(delta('teampush_db_pool_wait_seconds_count')).toBeGreaterThan(0);
    else expect(valueOf(after, 'teampush_db_pool_wait_seconds_count')).toBe(0);
    // prom-client's process metrics come with the app's.
    expect(after.some((sample) => sample.name === 'process_cpu_user_seconds_total')).toBe(true);
  });

  it('shows how late a scheduled send was claimed, by the app clock', async () => {
    const before = await samples();
    const sendAt = clock.now() + 2 * MINUTE;
    const scheduled = await send({ audience: { users: threeRecipients() }, sendAt: new Date(sendAt).toISOString() });
    expect(scheduled.status).toBe(201);
    clock.set(sendAt + 30_000);
    expect(await stack.parts.scheduler!.tick()).toBe(1);
    await stack.parts.pipeline!.idle();
    const after = await samples();

    expect(valueOf(after, 'teampush_scheduler_lag_seconds_count') - valueOf(before, 'teampush_scheduler_lag_seconds_count')).toBe(1);
    expect(valueOf(after, 'teampush_scheduler_lag_seconds_sum') - valueOf(before, 'teampush_scheduler_lag_seconds_sum')).toBe(30);
    expect(valueOf(after, 'teampush_scheduler_lag_seconds_bucket', { le: '10' }) - valueOf(before, 'teampush_scheduler_lag_seconds_bucket', { le: '10' })).toBe(0);
    expect(valueOf(after, 'teampush_scheduler_lag_seconds_bucket', { le: '30' }) - valueOf(before, 'teampush_scheduler_lag_seconds_bucket', { le: '30' })).toBe(1);
    expect(valueOf(after, 'teampush_sends_finished_total', { status: 'sent' }) - valueOf(before, 'teampush_sends_finished_total', { status: 'sent' })).toBe(1);
  });

  it('counts the refresh a send makes once the stored tokens have expired', async () => {
    const before = await samples();
    clock.advance(2 * HOUR);
    expect((await send({ audience: { users: threeRecipients() } })).status).toBe(201);
    const after = await samples();
    expect(valueOf(after, 'teampush_token_refreshes_total', { outcome: 'ok' }) - valueOf(before, 'teampush_token_refreshes_total', { outcome: 'ok' })).toBeGreaterThanOrEqual(1);
  });

  it('logs scrapes at debug and refusals at warn, never at info', async () => {
    const seen = logLines.length;
    await (await scrape(`Bearer ${token}`)).arrayBuffer();
    await (await scrape('Bearer wrong')).arrayBuffer();
    // pino-http logs on the response's finish, which may follow the client's read by a tick.
    await new Promise((resolve) => setImmediate(resolve));
    const scrapes = logLines.slice(seen).filter((line) => line.req?.path === '/metrics');
    // The logger is at info: the successful scrape (debug) is not there, the refusal is, at warn.
    expect(scrapes.map((line) => [line.res?.statusCode, line.level])).toEqual([[401, 40]]);
  });
});
