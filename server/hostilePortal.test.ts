import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Stack } from '../scripts/stack.js';
import { ManualClock } from '../simulator/index.js';
import type { SimPortal } from '../simulator/contract.js';
import { forEachDatabase } from '../test/support/databases.js';
import { firstAdmin, postInstall } from '../test/support/directory.js';
import { startStackOnClock } from '../test/support/stacks.js';
import { MEMBER_ID_HEADER } from './api/frameAuth.js';
import type { SendView } from './api/sendRoutes.js';
import { DEFAULT_MAX_ANSWER_BYTES } from './bitrix/boundedJson.js';
import { MAX_PAUSE_MS } from './bitrix/retryPolicy.js';

/**
 * One portal's answers must not stall the others (issue 18). A small HTTP server plays a hostile portal
 * for one installed portal (its stored address is pointed at it); everything else is the ordinary stack
 * on the simulator. While each attack runs, another portal's admin keeps asking `/api/status`, and the
 * process's event-loop delay is recorded (perf_hooks). The bounds are generous (2 s and 1 s); the
 * figures measured are printed.
 */

const MB = 1024 * 1024;
/** 64 KiB of `{},`: the 60 MB answer is this written again and again, never built in memory. */
const GARBAGE = Buffer.from('{},'.repeat(65_536 / 3));

interface Measured {
  /** Slowest `/api/status` of the other portal while the attack ran (ms). */
  statusMaxMs: number;
  statusCount: number;
  /** The largest event-loop delay while the attack ran (ms). */
  loopMaxMs: number;
  loopP99Ms: number;
}

type Behaviour = (req: IncomingMessage, body: Record<string, unknown>, res: ServerResponse) => void;

forEachDatabase('a hostile portal', (getDb) => {
  let stack: Stack;
  let hostileServer: Server;
  const clock = new ManualClock(Date.UTC(2026, 11, 3, 9));
  /** What the hostile portal answers, per REST method. */
  const behaviour = new Map<string, Behaviour>();
  /** Bytes the hostile portal wrote per answer it streamed, and whether the app hung up first. */
  const streams: Array<{ written: number; cutShort: boolean }> = [];
  const calls: string[] = [];
  let calm: SimPortal;
  let hostile: SimPortal;

  beforeAll(async () => {
    stack = await startStackOnClock(getDb(), clock, {
      portals: [
        { label: 'calm', users: 20 },
        { label: 'hostile', users: 20 },
      ],
      sends: { scheduler: false, recoverAtStart: false, chunkSize: 3, pushesPerCall: 1 },
    });
    calm = stack.sim.portal('calm');
    hostile = stack.sim.portal('hostile');
    for (const portal of [calm, hostile]) expect(await postInstall(portal)).toBe(200);

    hostileServer = createServer((req, res) => {
      const method = /^\/rest\/([\w.]+)\.json$/.exec(req.url ?? '')?.[1] ?? '';
      calls.push(method);
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>;
        const answer = behaviour.get(method);
        if (answer) answer(req, body, res);
        else res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'ERROR_METHOD_NOT_FOUND' }));
      });
    });
    await new Promise<void>((resolve) => hostileServer.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(hostileServer.address() as AddressInfo).port}`;
    // The installed portal now answers from the hostile server (as if its address were the attacker's).
    await stack.store.upsertPortal({ memberId: hostile.memberId, domain: new URL(url).host, clientEndpoint: `${url}/rest/`, serverEndpoint: `${stack.sim.oauth.url}/rest/`, appName: 'Team Push' });
  });

  afterAll(async () => {
    await stack?.parts.pipeline?.idle();
    hostileServer?.closeAllConnections();
    await new Promise<void>((resolve) => (hostileServer ? hostileServer.close(() => resolve()) : resolve()));
    await stack?.close();
  });

  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  const calmHeaders = () => ({ Authorization: `Bearer ${calm.issueTokens(firstAdmin(calm).id).access_token}`, [MEMBER_ID_HEADER]: calm.memberId });
  const HOSTILE_ADMIN_TOKEN = 'hostile-admin-token';
  const hostileHeaders = (token = HOSTILE_ADMIN_TOKEN) => ({ Authorization: `Bearer ${token}`, [MEMBER_ID_HEADER]: hostile.memberId, 'Content-Type': 'application/json' });
  /** The hostile portal vouches for its admin's token (the user whose authorization the app stored at install). */
  const vouchForAdmin: Behaviour = (_req, body, res) =>
    body.auth === HOSTILE_ADMIN_TOKEN ? json(res, 200, { result: { ID: String(firstAdmin(hostile).id), ADMIN: true } }) : json(res, 401, { error: 'invalid_token' });

  /** `[` then `{},` to 60 MB, generated as it goes, respecting back-pressure; records how much left before the app hung up. */
  const sixtyMegabytes: Behaviour = (_req, _body, res) => {
    const stream = { written: 1, cutShort: false };
    streams.push(stream);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.on('close', () => {
      if (!res.writableFinished) stream.cutShort = true;
    });
    res.write('[');
    const pump = () => {
      while (stream.written < 60 * MB && !res.destroyed) {
        stream.written += GARBAGE.length;
        if (!res.write(GARBAGE)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end('{}]');
    };
    pump();
  };

  /** Runs `attack` while the calm portal's admin keeps asking /api/status; measures both. */
  async function underAttack(attack: () => Promise<void>): Promise<Measured> {
    const loop = monitorEventLoopDelay({ resolution: 10 });
    const latencies: number[] = [];
    let attacking = true;
    loop.enable();
    const probe = (async () => {
      while (attacking || latencies.length === 0) {
        const started = performance.now();
        const response = await fetch(`${stack.appUrl}/api/status`, { headers: calmHeaders() });
        expect(response.status).toBe(200);
        await response.arrayBuffer();
        latencies.push(performance.now() - started);
        await sleep(5);
      }
    })();
    try {
      await attack();
    } finally {
      attacking = false;
      await probe;
      loop.disable();
    }
    return { statusMaxMs: Math.max(...latencies), statusCount: latencies.length, loopMaxMs: loop.max / 1e6, loopP99Ms: loop.percentile(99) / 1e6 };
  }

  function report(what: string, measured: Measured): void {
    console.info(
      `[${getDb().kind}] ${what}: other portal's /api/status max ${measured.statusMaxMs.toFixed(0)} ms over ${measured.statusCount} requests; event-loop delay max ${measured.loopMaxMs.toFixed(0)} ms, p99 ${measured.loopP99Ms.toFixed(0)} ms`,
    );
    expect(measured.statusMaxMs).toBeLessThan(2_000);
    expect(measured.loopMaxMs).toBeLessThan(1_000);
  }

  it('a 60 MB `profile` answer to garbage tokens: each sign-in fails 502 after at most the limit is read, the other portal is answered promptly', async () => {
    const ROUNDS = 5;
    behaviour.set('profile', sixtyMegabytes);
    streams.length = 0;
    const answers: Array<{ status: number; error: string }> = [];
    const measured = await underAttack(async () => {
      for (let round = 0; round < ROUNDS; round += 1) {
        const responses = await Promise.all(
          Array.from({ length: 4 }, () => fetch(`${stack.appUrl}/api/status`, { headers: hostileHeaders(`garbage-${randomUUID()}`) })),
        );
        for (const response of responses) answers.push({ status: response.status, error: ((await response.json()) as { error: string }).error });
        // Refused tokens use up this network's sign-in budget for the portal; half a minute refills what a round used.
        clock.advance(30_000);
      }
    });
    expect(answers).toEqual(Array.from({ length: 4 * ROUNDS }, () => ({ status: 502, error: 'PORTAL_ANSWER_TOO_LARGE' })));
    expect(streams).toHaveLength(4 * ROUNDS);
    await expect.poll(() => streams.every((stream) => stream.cutShort)).toBe(true);
    for (const stream of streams) expect(stream.written).toBeLessThan(DEFAULT_MAX_ANSWER_BYTES + 8 * MB);
    report(`${4 * ROUNDS} answers of 60 MB to \`profile\`, 4 at a time`, measured);
  });

  it('`result_total: 800000000` for user.get: each preview fails 502 at the first answer, the other portal is answered promptly', async () => {
    // The garbage tokens above used up this network's sign-in budget for the portal: a minute refills it.
    clock.advance(60_000);
    behaviour.set('profile', vouchForAdmin);
    behaviour.set('batch', (_req, body, res) => {
      const commands = Object.keys((body as { cmd: Record<string, string> }).cmd);
      const rows = Array.from({ length: 50 }, (_, index) => ({ ID: String(index + 1), ACTIVE: true, USER_TYPE: 'employee', NAME: 'N', LAST_NAME: 'L' }));
      json(res, 200, {
        result: {
          result: Object.fromEntries(commands.map((key) => [key, rows])),
          result_error: [],
          result_total: Object.fromEntries(commands.map((key) => [key, 800_000_000])),
          result_next: Object.fromEntries(commands.map((key) => [key, 50])),
        },
      });
    });
    calls.length = 0;
    const answers: Array<{ status: number; error: string }> = [];
    const measured = await underAttack(async () => {
      for (let round = 0; round < 5; round += 1) {
        const responses = await Promise.all(
          Array.from({ length: 3 }, () => fetch(`${stack.appUrl}/api/audience/preview`, { method: 'POST', headers: hostileHeaders(), body: JSON.stringify({ audience: { all: true } }) })),
        );
        for (const response of responses) answers.push({ status: response.status, error: ((await response.json()) as { error: string }).error });
      }
    });
    expect(answers).toEqual(Array.from({ length: 15 }, () => ({ status: 502, error: 'PORTAL_ANSWER_TOO_LARGE' })));
    // One `batch` call per preview: nothing was planned from the claim.
    expect(calls.filter((method) => method === 'batch')).toHaveLength(15);
    report('a total of 800,000,000 rows, 15 previews, 3 at a time', measured);
  });

  it('OPERATION_TIME_LIMIT until the year 33658: the send pauses at most 11 minutes and can be cancelled; what may have been pushed stays reported, nothing is pushed again', async () => {
    behaviour.set('profile', vouchForAdmin);
    // An honest directory read: the users asked for by id.
    behaviour.set('batch', (_req, body, res) => {
      const cmd = (body as { cmd: Record<string, string> }).cmd;
      const result: Record<string, unknown[]> = {};
      const totals: Record<string, number> = {};
      for (const [key, command] of Object.entries(cmd)) {
        const ids = [...command.matchAll(/FILTER\[ID\]\[\d+\]=(\d+)/g)].map((match) => match[1]!);
        result[key] = ids.map((id) => ({ ID: id, ACTIVE: true, USER_TYPE: 'employee', NAME: 'N', LAST_NAME: `#${id}` }));
        totals[key] = ids.length;
      }
      json(res, 200, { result: { result, result_error: [], result_total: totals, result_next: [] } });
    });
    // First push accepted, the second's answer lost (it may have been accepted), then the method blocked "for ever".
    const pushes: number[][] = [];
    behaviour.set('pull.application.push.add', (req, body, res) => {
      pushes.push((body.USER_ID as number[]).map(Number));
      if (pushes.length === 1) return json(res, 200, { result: true });
      if (pushes.length === 2) return void req.socket.destroy();
      json(res, 429, { error: 'OPERATION_TIME_LIMIT', error_description: 'Method is blocked due to operation time limit.', time: { operating_reset_at: 1e12 } });
    });
    const users = [11, 12, 13, 14, 15, 16, 17];
    let sendId = '';
    let paused: SendView | undefined;
    let cancelled: { status: number; send: SendView } | undefined;
    const measured = await underAttack(async () => {
      const created = await fetch(`${stack.appUrl}/api/sends`, { method: 'POST', headers: hostileHeaders(), body: JSON.stringify({ idempotencyKey: randomUUID(), text: 'Hostile', audience: { users } }) });
      expect(created.status).toBe(202);
      sendId = ((await created.json()) as { send: SendView }).send.id;
      await stack.parts.pipeline!.idle();
      paused = ((await (await fetch(`${stack.appUrl}/api/sends/${sendId}`, { headers: hostileHeaders() })).json()) as { send: SendView }).send;
      const response = await fetch(`${stack.appUrl}/api/sends/${sendId}/cancel`, { method: 'POST', headers: hostileHeaders() });
      cancelled = { status: response.status, send: ((await response.json()) as { send: SendView }).send };
    });
    expect(paused).toMatchObject({ status: 'sending', recipientCount: 7, acceptedCount: 3, uncertainCount: 3, pendingCount: 1 });
    expect(paused!.pausedUntil).toBeLessThanOrEqual(clock.now() + MAX_PAUSE_MS);
    expect(cancelled!.status).toBe(200);
    expect(cancelled!.send).toMatchObject({ status: 'cancelled', pausedUntil: null, acceptedCount: 3, uncertainCount: 3, pendingCount: 1 });
    expect(pushes).toEqual([[11, 12, 13], [14, 15, 16], [17]]);

    // The pause's end comes and goes: nobody resumes a cancelled send, nothing is pushed again.
    behaviour.set('pull.application.push.add', (_req, body, res) => {
      pushes.push((body.USER_ID as number[]).map(Number));
      json(res, 200, { result: true });
    });
    clock.advance(MAX_PAUSE_MS + 1_000);
    expect(await stack.parts.pipeline!.recoverInterruptedSends({ whileRunning: true })).toMatchObject({ resumed: 0 });
    await stack.parts.pipeline!.idle();
    expect(pushes).toHaveLength(3);
    report('a send paused until the year 33658, then cancelled', measured);
  });
});
