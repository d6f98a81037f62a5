import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, type Stack } from '../../scripts/stack.js';
import { fixtureClientPages } from '../../test/support/fixturePages.js';
import { ManualClock } from '../../simulator/index.js';
import type { SimPortal } from '../../simulator/contract.js';
import { createApp } from '../app.js';
import { composeParts } from '../composition.js';
import { createLogger } from '../logger.js';
import { forEachDatabase } from '../../test/support/databases.js';
import { createSendStore } from '../storage/sendStore.js';
import type { SendPipeline } from '../send/sendPipeline.js';
import { DEFAULT_PAUSE_MS } from '../bitrix/retryPolicy.js';
import { TEXT_MAX_CHARS } from '../send/messageSchema.js';
import { MEMBER_ID_HEADER } from './frameAuth.js';
import type { SendView } from './sendRoutes.js';
import { firstAdmin } from '../../test/support/directory.js';

/** An audience of explicit users, in the audience schema's terms (the one place to adapt when it changes). */
const explicitUsers = (ids: number[]) => ({ users: ids });

/** The send API through the portal simulator, on SQLite and PostgreSQL. */
forEachDatabase('send API', (getDb) => {
  let stack: Stack;
  let server: Server;
  let appUrl: string;
  let pipeline: SendPipeline;
  const clock = new ManualClock(Date.UTC(2026, 10, 24, 9));
  const logLines: string[] = [];
  const issuedTokens: string[] = [];

  beforeAll(async () => {
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ level: 'debug', destination });
    stack = await startStack({
      pages: fixtureClientPages(),
      databaseUrl: getDb().url,
      clock,
      logger,
      portals: [
        { label: 'one', users: 40 },
        { label: 'two', users: 20 },
        { label: 'tiny', users: 30, rateLimit: { burst: 2, drainPerSecond: 50 } },
      ],
      // Only the app below sends: the stack's own app neither schedules nor takes over running sends.
      sends: { scheduler: false, recoverAtStart: false },
    });
    // The install handshake runs against the stack's app; sending against an app on the same database
    // whose pipeline sleeps by moving the simulator's clock (instant, deterministic).
    for (const label of ['one', 'two', 'tiny']) {
      const portal = stack.sim.portal(label);
      const opening = portal.openFrame(admin(portal).id, 'INSTALL');
      expect((await fetch(opening.action, { method: 'POST', body: new URLSearchParams(opening.fields) })).status).toBe(200);
      issuedTokens.push(opening.fields.AUTH_ID!, opening.fields.REFRESH_ID!);
    }
    const parts = composeParts({
      config: stack.config,
      logger,
      store: stack.store,
      database: stack.database,
      now: () => clock.now(),
      sends: {
        sleep: async (ms) => clock.advance(ms),
        maxAttempts: 4,
        // Small chunks, one per call, so a few dozen recipients make many calls.
        chunkSize: 3,
        pushesPerCall: 1,
      },
    });
    pipeline = parts.pipeline!;
    const app = createApp({ parts, pages: fixtureClientPages() });
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await pipeline?.idle();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await stack?.close();
  });

  const admin = firstAdmin;
  const employee = (portal: SimPortal) => portal.directory.users.find((user) => !user.admin && user.active && user.type === 'employee')!;
  const reachable = (portal: SimPortal) => portal.directory.users.filter((user) => user.active && user.type === 'employee' && user.pushEnabled);
  const as = (portal: SimPortal, userId: number, memberId = portal.memberId) => {
    const token = portal.issueTokens(userId).access_token;
    issuedTokens.push(token);
    return { Authorization: `Bearer ${token}`, [MEMBER_ID_HEADER]: memberId };
  };
  const post = (path: string, headers: Record<string, string>, body: unknown) =>
    fetch(`${appUrl}/api${path}`, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const get = (path: string, headers: Record<string, string>) => fetch(`${appUrl}/api${path}`, { headers });
  type SendAnswer = { send: SendView; fit: { bytes: number; ios: { fits: boolean }; android: { fits: boolean } }; error?: string; message?: string; field?: string };
  const json = async (response: Response) => (await response.json()) as SendAnswer;
  const send = (portal: SimPortal, body: Record<string, unknown>, headers = as(portal, admin(portal).id)) => post('/sends', headers, { idempotencyKey: randomUUID(), text: 'Hello', ...body });
  const pushesOf = (portal: SimPortal, text: string) => portal.pushes.filter((push) => push.text === text);

  it('refuses every invalid message with 400 naming the field, before any REST call', async () => {
    const portal = stack.sim.portal('one');
    const headers = as(portal, admin(portal).id);
    const key = randomUUID();
    const cases: Array<[unknown, string, string | undefined]> = [
      [{ idempotencyKey: key, testToSelf: true }, 'TEXT_EMPTY', 'text'],
      [{ idempotencyKey: key, testToSelf: true, text: '' }, 'TEXT_EMPTY', 'text'],
      [{ idempotencyKey: key, testToSelf: true, text: '   \n ' }, 'TEXT_EMPTY', 'text'],
      [{ idempotencyKey: key, testToSelf: true, text: ' 0 ' }, 'TEXT_EMPTY', 'text'],
      [{ idempotencyKey: key, testToSelf: true, text: 42 }, 'TEXT_EMPTY', 'text'],
      [{ idempotencyKey: key, testToSelf: true, text: 'я'.repeat(TEXT_MAX_CHARS + 1) }, 'TEXT_TOO_LONG', 'text'],
      [{ idempotencyKey: key, testToSelf: true, text: 'Hi', avatar: 'http://img.example/a.png' }, 'AVATAR_INVALID', 'avatar'],
      [{ idempotencyKey: key, testToSelf: true, text: 'Hi', avatar: '/a.png' }, 'AVATAR_INVALID', 'avatar'],
      [{ idempotencyKey: key, testToSelf: true, text: 'Hi', avatar: `https://img.example/${'a'.repeat(600)}` }, 'AVATAR_INVALID', 'avatar'],
      [{ testToSelf: true, text: 'Hi' }, 'IDEMPOTENCY_KEY_INVALID', 'idempotencyKey'],
      [{ idempotencyKey: 'short', testToSelf: true, text: 'Hi' }, 'IDEMPOTENCY_KEY_INVALID', 'idempotencyKey'],
      [{ idempotencyKey: key, text: 'Hi' }, 'AUDIENCE_INVALID', 'audience'],
      [{ idempotencyKey: key, text: 'Hi', audience: 42 }, 'AUDIENCE_INVALID', 'audience'],
      [{ idempotencyKey: key, testToSelf: 'yes', text: 'Hi' }, 'VALIDATION_FAILED', 'testToSelf'],
      [{ idempotencyKey: key, testToSelf: true, text: 'Hi', title: 'Mine' }, 'UNKNOWN_FIELD', 'title'],
      ['[1, 2]', 'VALIDATION_FAILED', undefined],
    ];
    portal.resetCounters();
    for (const [body, error, field] of cases) {
      const response = await post('/sends', headers, body);
      const answer = await json(response);
      expect([response.status, answer.error, answer.field], JSON.stringify(body).slice(0, 80)).toEqual([400, error, field]);
      expect(answer.message).toBeTruthy();
    }
    const malformed = await post('/sends', headers, '{"text": ');
    expect(malformed.status).toBe(400);
    const huge = await post('/sends', headers, { idempotencyKey: key, testToSelf: true, text: 'x'.repeat(70_000) });
    expect(huge.status).toBe(413);
    expect(portal.counters()['pull.application.push.add'] ?? 0).toBe(0);
    expect(await stack.store.getPortal(portal.memberId)).toBeTruthy();
    expect((await createSendStore(stack.database).listSends(portal.memberId, { limit: 10 })).sends).toEqual([]);
  });

  it('POST /api/message/check tells whether the push fits the phones', async () => {
    const portal = stack.sim.portal('one');
    const headers = as(portal, admin(portal).id);
    const short = (await (await post('/message/check', headers, { text: 'Lunch is ready' })).json()) as { fit: SendAnswer['fit'] };
    expect(short.fit).toMatchObject({ ios: { fits: true, limit: 2048 }, android: { fits: true, limit: 4096 } });
    const long = (await (await post('/message/check', headers, { text: 'я'.repeat(1000), avatar: 'https://img.example/a.png' })).json()) as { fit: SendAnswer['fit'] };
    expect(long.fit).toMatchObject({ ios: { fits: false }, android: { fits: true } });
    expect(long.fit.bytes).toBeGreaterThan(2000);
    expect((await post('/message/check', headers, { text: '0' })).status).toBe(400);
  });

  it('a send to explicit users reaches exactly them, titled with the app name, from the sending admin', async () => {
    const portal = stack.sim.portal('one');
    const targets = reachable(portal).slice(0, 5).map((user) => user.id);
    const response = await send(portal, { text: 'All hands at 10', audience: explicitUsers(targets) });
    const answer = await json(response);
    expect(response.status).toBe(201);
    expect(answer.send).toMatchObject({ status: 'sent', recipientCount: 5, acceptedCount: 5, failedCount: 0, uncertainCount: 0, error: null, testToSelf: false });
    expect(answer.fit.ios.fits).toBe(true);
    const pushes = pushesOf(portal, 'All hands at 10');
    expect(pushes.map((push) => push.userId).sort((a, b) => a - b)).toEqual([...targets].sort((a, b) => a - b));
    expect(new Set(pushes.map((push) => `${push.title}|${push.senderId}`))).toEqual(new Set([`Team Push|${admin(portal).id}`]));
  });

  it('"send test to me" reaches only the caller', async () => {
    const portal = stack.sim.portal('one');
    const response = await send(portal, { text: 'Test to me', testToSelf: true, avatar: 'https://img.example/logo.png' });
    expect(response.status).toBe(201);
    expect((await json(response)).send).toMatchObject({ status: 'sent', recipientCount: 1, testToSelf: true, avatar: 'https://img.example/logo.png' });
    expect(pushesOf(portal, 'Test to me').map((push) => [push.userId, push.avatar])).toEqual([[admin(portal).id, 'https://img.example/logo.png']]);
  });

  const faults: Array<[string, number, number, string]> = [
    ['WRONG_AUTH_TYPE', 403, 502, 'WRONG_AUTH_TYPE'],
    ['ACCESS_ERROR', 400, 403, 'NOT_ADMIN'],
    ['TEXT_ERROR', 400, 400, 'TEXT_EMPTY'],
    ['EMPTY_APP_NAME', 400, 502, 'APP_NAME_EMPTY'],
    ['NO_AUTH_FOUND', 401, 401, 'REOPEN_APP'],
    ['insufficient_scope', 403, 403, 'SCOPE_MISSING'],
    ['user_access_error', 403, 403, 'APP_ACCESS_RESTRICTED'],
    ['ACCESS_DENIED', 403, 403, 'PLAN_REQUIRED'],
    ['PORTAL_DELETED', 500, 410, 'PORTAL_CLOSED'],
    ['OVERLOAD_LIMIT', 503, 503, 'PORTAL_BLOCKED'],
  ];
  for (const [code, bitrixStatus, status, apiCode] of faults) {
    it(`Bitrix24 ${code} surfaces as ${apiCode} (${status}); the send is recorded as failed`, async () => {
      const portal = stack.sim.portal('one');
      portal.injectFault({ method: 'pull.application.push.add', count: 1, httpStatus: bitrixStatus, error: code });
      const text = `fault ${code}`;
      const response = await send(portal, { text, testToSelf: true });
      const answer = await json(response);
      expect([response.status, answer.error]).toEqual([status, apiCode]);
      expect(answer.send).toMatchObject({ status: 'failed', error: { code: apiCode, source: code }, acceptedCount: 0, failedCount: 1 });
      expect(pushesOf(portal, text)).toEqual([]);
      portal.clearFaults();
    });
  }

  it('an empty registered app name (setAppName) surfaces as APP_NAME_EMPTY', async () => {
    const portal = stack.sim.portal('one');
    portal.setAppName('');
    try {
      const response = await send(portal, { text: 'no name', testToSelf: true });
      expect([response.status, (await json(response)).error]).toEqual([502, 'APP_NAME_EMPTY']);
    } finally {
      portal.setAppName('Team Push');
    }
  });

  it('QUERY_LIMIT_EXCEEDED is retried with backoff and the push goes out once; if it persists: RATE_LIMITED', async () => {
    const portal = stack.sim.portal('one');
    portal.injectFault({ method: 'pull.application.push.add', count: 2, httpStatus: 503, error: 'QUERY_LIMIT_EXCEEDED' });
    const ok = await send(portal, { text: 'after the limit', testToSelf: true });
    expect([ok.status, (await json(ok)).send.status]).toEqual([201, 'sent']);
    expect(pushesOf(portal, 'after the limit')).toHaveLength(1);
    portal.injectFault({ method: 'pull.application.push.add', count: 4, httpStatus: 503, error: 'QUERY_LIMIT_EXCEEDED' });
    const limited = await send(portal, { text: 'limit persists', testToSelf: true });
    expect([limited.status, (await json(limited)).error]).toEqual([503, 'RATE_LIMITED']);
    expect(pushesOf(portal, 'limit persists')).toHaveLength(0);
    portal.clearFaults();
  });

  it('INTERNAL_SERVER_ERROR or a lost connection: the chunk is uncertain and never resent', async () => {
    const portal = stack.sim.portal('one');
    portal.resetCounters();
    portal.injectFault({ method: 'pull.application.push.add', count: 1, httpStatus: 500, error: 'INTERNAL_SERVER_ERROR' });
    const internal = await send(portal, { text: 'maybe 1', testToSelf: true });
    const internalAnswer = await json(internal);
    expect([internal.status, internalAnswer.error]).toEqual([502, 'PORTAL_ERROR']);
    expect(internalAnswer.send).toMatchObject({ status: 'failed', uncertainCount: 1, error: { retryable: false } });
    expect(internalAnswer.message).toMatch(/not sent again/);
    portal.injectFault({ method: 'pull.application.push.add', count: 1, httpStatus: 0, error: 'x', network: true });
    const lost = await send(portal, { text: 'maybe 2', testToSelf: true });
    const lostAnswer = await json(lost);
    expect([lost.status, lostAnswer.error, lostAnswer.send.uncertainCount]).toEqual([502, 'OUTCOME_UNKNOWN', 1]);
    expect(portal.counters()['pull.application.push.add']).toBe(2);
  });

  it('expired_token on the push: the stored authorization is refreshed once and the push goes out once', async () => {
    const portal = stack.sim.portal('one');
    const refreshes = stack.sim.oauth.refreshCount(portal.memberId, admin(portal).id);
    portal.injectFault({ method: 'pull.application.push.add', count: 1, httpStatus: 401, error: 'expired_token' });
    const response = await send(portal, { text: 'after refresh', testToSelf: true });
    expect([response.status, (await json(response)).send.status]).toEqual([201, 'sent']);
    expect(pushesOf(portal, 'after refresh')).toHaveLength(1);
    expect(stack.sim.oauth.refreshCount(portal.memberId, admin(portal).id)).toBe(refreshes + 1);
  });

  it('an admin without saved authorization is told to reopen the app; nothing is sent', async () => {
    const portal = stack.sim.portal('one');
    const other = portal.directory.users.find((user) => user.admin && user.active && user.id !== admin(portal).id)!;
    const response = await send(portal, { text: 'not stored', testToSelf: true }, as(portal, other.id));
    expect([response.status, (await json(response)).error]).toEqual([401, 'REOPEN_APP']);
  });

  it('a tiny portal rate limit: many chunks, retried through QUERY_LIMIT_EXCEEDED, every recipient exactly once', async () => {
    const portal = stack.sim.portal('tiny');
    const targets = reachable(portal).map((user) => user.id);
    expect(targets.length).toBeGreaterThan(15);
    const response = await post('/sends', as(portal, admin(portal).id), { idempotencyKey: randomUUID(), text: 'burst', audience: explicitUsers(targets) });
    expect(response.status).toBe(201);
    expect((await json(response)).send).toMatchObject({ status: 'sent', acceptedCount: targets.length });
    const pushCalls = portal.requestLog.filter((entry) => entry.method === 'pull.application.push.add');
    expect(pushCalls.filter((entry) => entry.httpStatus === 200)).toHaveLength(Math.ceil(targets.length / 3));
    expect(pushCalls.some((entry) => entry.error === 'QUERY_LIMIT_EXCEEDED')).toBe(true);
    const received = pushesOf(portal, 'burst').map((push) => push.userId);
    expect(received.sort((a, b) => a - b)).toEqual([...targets].sort((a, b) => a - b));
  });

  it('idempotency: a replay returns the first send; two concurrent requests with one key make one send; a reused key for another text is refused', async () => {
    const portal = stack.sim.portal('one');
    const headers = as(portal, admin(portal).id);
    const body = { idempotencyKey: randomUUID(), text: 'only once', testToSelf: true };
    const first = await post('/sends', headers, body);
    const replay = await post('/sends', headers, body);
    expect([first.status, replay.status, replay.headers.get('idempotent-replayed')]).toEqual([201, 200, 'true']);
    expect((await json(replay)).send.id).toBe((await json(first)).send.id);
    expect(pushesOf(portal, 'only once')).toHaveLength(1);

    const racing = { idempotencyKey: randomUUID(), text: 'racing', audience: explicitUsers(reachable(portal).slice(0, 3).map((user) => user.id)) };
    const answers = await Promise.all([post('/sends', headers, racing), post('/sends', headers, racing)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 201]);
    const ids = await Promise.all(answers.map(async (answer) => (await json(answer)).send.id));
    expect(new Set(ids).size).toBe(1);
    expect(pushesOf(portal, 'racing')).toHaveLength(3);

    const conflict = await post('/sends', headers, { ...body, text: 'something else' });
    expect([conflict.status, (await json(conflict)).error]).toEqual([409, 'IDEMPOTENCY_KEY_REUSED']);
  });

  it('a non-admin gets 403 NOT_ADMIN for sending and for the history; another portal’s token 401', async () => {
    const portal = stack.sim.portal('one');
    const refused = await send(portal, { testToSelf: true }, as(portal, employee(portal).id));
    expect([refused.status, (await json(refused)).error]).toEqual([403, 'NOT_ADMIN']);
    expect((await get('/sends', as(portal, employee(portal).id))).status).toBe(403);
    const two = stack.sim.portal('two');
    const foreign = { Authorization: `Bearer ${two.issueTokens(admin(two).id).access_token}`, [MEMBER_ID_HEADER]: portal.memberId };
    const response = await send(portal, { testToSelf: true }, foreign);
    expect([response.status, (await json(response)).error]).toEqual([401, 'BAD_TOKEN']);
  });

  it('history: newest first, paged, this portal only; another portal’s send is 404', async () => {
    const portal = stack.sim.portal('one');
    const headers = as(portal, admin(portal).id);
    const first = (await (await get('/sends?limit=3', headers)).json()) as { sends: SendView[]; nextBefore: string };
    expect(first.sends).toHaveLength(3);
    expect(first.sends[0]!.text).toBe('racing');
    const createdAt = first.sends.map((item) => item.createdAt);
    expect([...createdAt].sort((a, b) => b - a)).toEqual(createdAt);
    const second = (await (await get(`/sends?limit=3&before=${first.nextBefore}`, headers)).json()) as { sends: SendView[] };
    expect(second.sends.map((item) => item.id)).not.toContain(first.sends[0]!.id);
    expect((await get('/sends?limit=0', headers)).status).toBe(400);
    const one = (await (await get(`/sends/${first.sends[0]!.id}`, headers)).json()) as { send: SendView };
    expect(one.send).toMatchObject({ id: first.sends[0]!.id, status: 'sent', acceptedCount: 3 });
    const two = stack.sim.portal('two');
    expect((await get(`/sends/${first.sends[0]!.id}`, as(two, admin(two).id))).status).toBe(404);
    expect(((await (await get('/sends', as(two, admin(two).id))).json()) as { sends: SendView[] }).sends).toEqual([]);
  });

  it('history with tests=exclude leaves out tests to oneself on every page; any other value is a 400', async () => {
    const portal = stack.sim.portal('one');
    const headers = as(portal, admin(portal).id);
    const [someone] = reachable(portal).map((user) => user.id);
    for (const body of [{ text: 'tests hidden: a test', testToSelf: true }, { text: 'tests hidden: a send', audience: explicitUsers([someone!]) }, { text: 'tests hidden: another test', testToSelf: true }]) {
      expect((await send(portal, body)).status).toBe(201);
    }
    const all = ((await (await get('/sends?limit=100', headers)).json()) as { sends: SendView[] }).sends;
    expect(all.filter((item) => item.testToSelf).length).toBeGreaterThanOrEqual(2);
    const paged: string[] = [];
    let before = '';
    do {
      const page = (await (await get(`/sends?limit=2&tests=exclude${before ? `&before=${before}` : ''}`, headers)).json()) as { sends: SendView[]; nextBefore: string | null };
      expect(page.sends.length).toBeGreaterThan(0);
      paged.push(...page.sends.map((item) => item.id));
      before = page.nextBefore ?? '';
    } while (before);
    expect(paged).toEqual(all.filter((item) => !item.testToSelf).map((item) => item.id));
    const included = ((await (await get('/sends?limit=100&tests=include', headers)).json()) as { sends: SendView[] }).sends;
    expect(included.map((item) => item.id)).toEqual(all.map((item) => item.id));
    const refused = await get('/sends?tests=hide', headers);
    expect([refused.status, ((await refused.json()) as { field?: string }).field]).toEqual([400, 'tests']);
  });

  it('recovery after a crash through the simulator: the mid-call chunk is uncertain, the pending one is sent once', async () => {
    const portal = stack.sim.portal('two');
    const sendStore = createSendStore(stack.database, { now: () => clock.now() });
    const [a, b, c, d] = reachable(portal).map((user) => user.id);
    const { send: crashed } = await sendStore.createSend({ id: randomUUID(), memberId: portal.memberId, senderId: admin(portal).id, idempotencyKey: randomUUID(), requestHash: 'h', text: 'after crash', avatar: null, audience: { users: [a, b, c, d] }, testToSelf: false, leaseUntil: clock.now() + 1, leaseOwner: 'the-crashed-process' });
    await sendStore.startSending(crashed.id, [[a!, b!], [c!, d!]], { owner: 'the-crashed-process', until: clock.now() + 1 });
    await sendStore.claimChunks(crashed.id, [0], 'the-crashed-process', 'claim-0');
    clock.advance(10);
    expect(await pipeline.recoverInterruptedSends()).toMatchObject({ resumed: 1, uncertainChunks: 1 });
    expect(pushesOf(portal, 'after crash').map((push) => push.userId).sort((x, y) => x - y)).toEqual([c, d].sort((x, y) => x! - y!));
    const answer = (await (await get(`/sends/${crashed.id}`, as(portal, admin(portal).id))).json()) as { send: SendView };
    expect(answer.send).toMatchObject({ status: 'partly_failed', acceptedCount: 2, uncertainCount: 2, error: { code: 'OUTCOME_UNKNOWN' } });
  });

  it('OPERATION_TIME_LIMIT on the push: the send pauses until Bitrix24 releases the method, says so, and then resumes by itself; each recipient once', async () => {
    const portal = stack.sim.portal('one');
    const ids = reachable(portal).slice(0, 7).map((user) => user.id);
    const text = `Paused ${randomUUID()}`;
    const releasedAt = clock.now() + 7 * 60_000;
    portal.blockMethod('pull.application.push.add', releasedAt);
    const answer = await json(await send(portal, { text, audience: explicitUsers(ids) }));
    await pipeline.idle();
    const paused = ((await (await get(`/sends/${answer.send.id}`, as(portal, admin(portal).id))).json()) as { send: SendView }).send;
    // The pause ends when Bitrix24 said (time.operating_reset_at, whole seconds), not at a guess.
    expect(paused).toMatchObject({ status: 'sending', acceptedCount: 0, uncertainCount: 0, failedCount: 0, pendingCount: 7, pausedUntil: Math.ceil(releasedAt / 1000) * 1000 });
    expect(pushesOf(portal, text)).toHaveLength(0);
    // Nobody takes it up before then...
    expect(await pipeline.recoverInterruptedSends()).toMatchObject({ resumed: 0 });
    clock.advance(7 * 60_000 + 1_000);
    // ...and the next look after it resumes it.
    expect(await pipeline.recoverInterruptedSends()).toMatchObject({ resumed: 1, uncertainChunks: 0 });
    await pipeline.idle();
    const done = ((await (await get(`/sends/${answer.send.id}`, as(portal, admin(portal).id))).json()) as { send: SendView }).send;
    expect(done).toMatchObject({ status: 'sent', acceptedCount: 7, pausedUntil: null });
    expect(pushesOf(portal, text).map((push) => push.userId).sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
  });

  it('OPERATION_TIME_LIMIT while the audience is read: the send pauses before anything is pushed, then resumes', async () => {
    const portal = stack.sim.portal('one');
    const ids = reachable(portal).slice(0, 4).map((user) => user.id);
    const text = `Paused audience ${randomUUID()}`;
    const releasedAt = clock.now() + 90_000;
    portal.blockMethod('user.get', releasedAt);
    const answer = await json(await send(portal, { text, audience: explicitUsers(ids) }));
    await pipeline.idle();
    const paused = ((await (await get(`/sends/${answer.send.id}`, as(portal, admin(portal).id))).json()) as { send: SendView }).send;
    // Read from the batch sub-call's own answer (time.operating_reset_at).
    expect(paused).toMatchObject({ status: 'queued', recipientCount: null, error: null, pausedUntil: Math.ceil(releasedAt / 1000) * 1000 });
    clock.advance(91_000);
    await pipeline.recoverInterruptedSends();
    await pipeline.idle();
    expect(pushesOf(portal, text).map((push) => push.userId).sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
  });

  it('OPERATION_TIME_LIMIT without a reset time: the send pauses for the default pause, then resumes', async () => {
    const portal = stack.sim.portal('one');
    const text = `Paused blind ${randomUUID()}`;
    // Nothing remembered ahead: the last successful push answer's operating_reset_at (at most 10 minutes on) has passed.
    clock.advance(11 * 60_000);
    portal.injectFault({ method: 'pull.application.push.add', count: 1, httpStatus: 429, error: 'OPERATION_TIME_LIMIT', description: 'Method is blocked due to operation time limit.' });
    const startedAt = clock.now();
    const answer = await json(await send(portal, { text, testToSelf: true }));
    await pipeline.idle();
    const paused = ((await (await get(`/sends/${answer.send.id}`, as(portal, admin(portal).id))).json()) as { send: SendView }).send;
    expect(paused.status).toBe('sending');
    expect(paused.pausedUntil).toBeGreaterThanOrEqual(startedAt + DEFAULT_PAUSE_MS);
    clock.advance(DEFAULT_PAUSE_MS + 60_000);
    await pipeline.recoverInterruptedSends();
    await pipeline.idle();
    expect(pushesOf(portal, text).map((push) => push.userId)).toEqual([admin(portal).id]);
  });

  it('a renamed portal (its old address answers 302): the push follows it and goes out once, never uncertain', async () => {
    const portal = stack.sim.portal('two');
    await portal.rename();
    const text = `Moved ${randomUUID()}`;
    const { done } = await pipeline.submit({ memberId: portal.memberId, senderId: admin(portal).id, idempotencyKey: randomUUID(), text, testToSelf: true });
    const finished = await done;
    expect(finished).toMatchObject({ status: 'sent', errorCode: null });
    expect(pushesOf(portal, text).map((push) => push.userId)).toEqual([admin(portal).id]);
    expect((await stack.store.getPortal(portal.memberId))!.clientEndpoint).toBe(portal.clientEndpoint);
  });

  it('no token, refresh token or secret reaches the logs', async () => {
    await pipeline.idle();
    for (const label of ['one', 'two', 'tiny']) {
      const portal = stack.sim.portal(label);
      const stored = await stack.store.getUserTokens(portal.memberId, admin(portal).id);
      issuedTokens.push(stored!.accessToken, stored!.refreshToken);
    }
    const log = logLines.join('');
    expect(log).toContain('send finished');
    for (const secret of [...issuedTokens, stack.config.b24!.clientSecret]) expect(log).not.toContain(secret);
  });
});
