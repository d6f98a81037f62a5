import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { composeParts } from '../composition.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { createLifecycle, type Lifecycle } from '../lifecycle.js';
import { createPortalStore } from '../storage/portalStore.js';
import { createTokenCipher, generateEncryptionKey } from '../security/tokenCipher.js';
import { DEFAULT_VERIFICATION_LIMITS } from '../api/frameAuth.js';
import { createOpeningBudget } from '../install/openingBudget.js';
import { createAllowance, refusingWindows } from './allowance.js';
import { createLimitStore, type LimitStore, type Take } from './limitStore.js';
import { createSqliteTestDatabase, type DisposableTestDatabase } from '../../test/support/databases.js';
import { fixtureClientPages } from '../../test/support/fixturePages.js';
import { describeWithRedis, TEST_REDIS_URL } from '../../test/support/redis.js';
import { startTcpProxy, type TcpProxy } from '../../test/support/tcpProxy.js';
import { eventually } from '../../test/support/eventually.js';

/**
 * Issue 18: Redis behind a network that loses every packet (test/support/tcpProxy.ts in front of the
 * real Redis). The verifications of sign-ins (token checks) and installs (openings) must neither wait
 * for the dead store nor be refused: they count in this process until it is back (decision 0014), and
 * /readyz says so. Redis's bounds are shortened from REDIS_TIMEOUTS so the test takes seconds.
 */

const logger = createLogger({ level: 'silent' });
const REDIS = { commandTimeoutMs: 300, connectTimeoutMs: 500, reconnectMaxDelayMs: 200 };
/** Each verification must be answered well within this while the store is known to be down (measured, generous). */
const QUICK_MS = 500;

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

const taken = (takes: Take[]) => takes.filter((take) => take.taken).length;

describeWithRedis('limit store on Redis behind a partition', () => {
  let proxy: TcpProxy;
  let store: LimitStore;
  let direct: LimitStore;
  let database: DisposableTestDatabase;
  let lifecycle: Lifecycle;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const target = new URL(TEST_REDIS_URL);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    database = await createSqliteTestDatabase();
    store = createLimitStore({ config: { redisUrl: `redis://127.0.0.1:${proxy.port}` }, database: database.appDb, logger, redis: REDIS });
    // Another process on the same Redis, whose network stays up.
    direct = createLimitStore({ config: { redisUrl: TEST_REDIS_URL }, database: database.appDb, logger });
    lifecycle = createLifecycle();
    const parts = composeParts({ config: loadConfig({}), logger, store: createPortalStore(database.appDb, createTokenCipher(generateEncryptionKey())), database: database.appDb, lifecycle });
    server = createApp({ parts: { ...parts, limits: store }, pages: fixtureClientPages() }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await lifecycle?.drain(5_000);
    await Promise.all([store?.close(), direct?.close()]);
    await proxy?.close();
    await database?.dispose();
  });

  it('while Redis is silent, token checks and install verifications are answered at once and counted per process; /readyz reports it; the shared count returns with the network', async () => {
    await eventually('the store connects', () => store.reachable());
    const readiness = await fetch(`${base}/readyz`);
    expect([readiness.status, await readiness.json()]).toEqual([200, { status: 'ready' }]);

    const openings = createOpeningBudget({ store });
    const tokenChecks = createAllowance(store, 'token-portal', refusingWindows(DEFAULT_VERIFICATION_LIMITS.perPortal));
    const address = `10.${[1, 2, 3].map(() => randomBytes(1)[0]).join('.')}`;
    const portal = { memberId: randomBytes(16).toString('hex'), known: true };
    expect(await openings.verify(address, async () => 'verified', portal)).toBe('verified');

    proxy.partition();
    // The first take after the cut cannot know yet: it waits for one command timeout, and the connection is dropped.
    const discovering = await timed(() => openings.verify(address, async () => 'verified', portal));
    expect(discovering.value).toBe('verified');
    expect(discovering.ms).toBeLessThan(REDIS.commandTimeoutMs + 1_500);

    const answers: Array<{ kind: string; granted: boolean; ms: number }> = [];
    for (let i = 0; i < 20; i += 1) {
      const opening = await timed(() => openings.verify(address, async () => 'verified', portal));
      answers.push({ kind: 'install', granted: opening.value === 'verified', ms: opening.ms });
      const check = await timed(() => tokenChecks.take(`${portal.memberId}-${i}`));
      answers.push({ kind: 'sign-in', granted: check.value.taken, ms: check.ms });
    }
    expect(answers.filter((answer) => !answer.granted)).toEqual([]);
    expect(answers.filter((answer) => answer.ms >= QUICK_MS)).toEqual([]);

    // The bound still holds in this process: 5 a minute means 5.
    const local = store.counter(`test-${randomUUID()}`, { points: 5, seconds: 60 });
    const takes: Take[] = [];
    for (let i = 0; i < 7; i += 1) takes.push(await local.take('k'));
    expect(taken(takes)).toBe(5);

    const degraded = await fetch(`${base}/readyz`);
    expect(degraded.status).toBe(200);
    expect(await degraded.json()).toMatchObject({ status: 'degraded', checks: { database: 'ok', limits: 'unreachable' } });

    proxy.heal();
    await eventually('the store is reachable again', () => store.reachable());
    // Shared again: what the other process takes is gone for this one too.
    const name = `test-${randomUUID()}`;
    const theirs = direct.counter(name, { points: 3, seconds: 60 });
    for (let i = 0; i < 3; i += 1) expect((await theirs.take('shared')).taken).toBe(true);
    expect((await store.counter(name, { points: 3, seconds: 60 }).take('shared')).taken).toBe(false);
    const ready = await fetch(`${base}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
  });
});
