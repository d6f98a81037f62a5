import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRateLimit } from './apiRateLimit.js';

/** The /api/ limiter on a bare Express app whose callers are set by a header (frameAuth's job in the app). */
let base: string;
let close: () => void;
let clock = 0;

beforeAll(async () => {
  const app = express();
  app.use((req, _res, next) => {
    const [memberId, userId] = String(req.headers['x-caller'] ?? '').split(':');
    if (memberId) req.caller = { memberId, userId: Number(userId), isAdmin: true, portal: {} as never, token: 'x' };
    next();
  });
  app.use(apiRateLimit({ limits: { user: { burst: 3, perSecond: 1 }, portal: { burst: 5, perSecond: 2 } }, now: () => clock }));
  app.get('/', (_req, res) => res.json({ ok: true }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  close = () => server.close();
});

afterAll(() => close?.());

const call = (caller: string) => fetch(base, { headers: { 'x-caller': caller } });

describe('api rate limit', () => {
  it('lets a user’s burst through, then answers 429 with Retry-After until the bucket refills', async () => {
    clock = 0;
    for (let i = 0; i < 3; i++) expect((await call('p1:1')).status).toBe(200);
    const refused = await call('p1:1');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({ error: 'TOO_MANY_REQUESTS' });
    clock += 1_000;
    expect((await call('p1:1')).status).toBe(200);
  });

  it('limits a portal across its users, and leaves other portals alone', async () => {
    clock = 100_000;
    expect((await call('p2:1')).status).toBe(200);
    expect((await call('p2:1')).status).toBe(200);
    expect((await call('p2:2')).status).toBe(200);
    expect((await call('p2:2')).status).toBe(200);
    expect((await call('p2:3')).status).toBe(200);
    expect((await call('p2:3')).status).toBe(429);
    expect((await call('p3:1')).status).toBe(200);
  });
});
