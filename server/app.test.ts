import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { composeParts } from './composition.js';
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { fixtureClientPages } from '../test/support/fixturePages.js';
import { createPortalStore } from './storage/portalStore.js';
import { createSqliteTestDatabase, type DisposableTestDatabase } from '../test/support/databases.js';
import { createTokenCipher, generateEncryptionKey } from './security/tokenCipher.js';

let server: Server;
let base: string;
let database: DisposableTestDatabase;

beforeAll(async () => {
  database = await createSqliteTestDatabase();
  const store = createPortalStore(database.appDb, createTokenCipher(generateEncryptionKey()));
  const app = createApp({ parts: composeParts({ config: loadConfig({}), logger: createLogger({ level: 'silent' }), store, database: database.appDb }), pages: fixtureClientPages() });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await database.dispose();
});

const bitrixOpenForm = new URLSearchParams({
  AUTH_ID: 'a'.repeat(70),
  AUTH_EXPIRES: '3600',
  REFRESH_ID: 'r'.repeat(70),
  member_id: 'f'.repeat(32),
  status: 'L',
  PLACEMENT: 'DEFAULT',
  PLACEMENT_OPTIONS: '{}',
});

describe('handler URLs', () => {
  it('serves the app page on GET /; a POST for a portal it does not know gets a page the claimed portal may frame, saying so', async () => {
    const get = await fetch(`${base}/`);
    expect(get.status).toBe(200);
    expect(await get.text()).toContain('app page');
    const post = await fetch(`${base}/?DOMAIN=portal.example&PROTOCOL=1&LANG=de&APP_SID=abc`, { method: 'POST', body: bitrixOpenForm });
    expect(post.status).toBe(404);
    expect(await post.text()).toContain('Die App ist auf diesem Portal nicht installiert');
    expect(post.headers.get('cache-control')).toBe('no-store');
    expect(post.headers.get('content-security-policy')).toContain('frame-ancestors https://portal.example');
  });

  it('lets Bitrix24 embed the pages (no X-Frame-Options)', async () => {
    const response = await fetch(`${base}/`);
    expect(response.headers.get('x-frame-options')).toBeNull();
  });

  it('refuses GET /install with 405', async () => {
    const get = await fetch(`${base}/install`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('refuses a malformed install POST with a clear 400 naming the field', async () => {
    const response = await fetch(`${base}/install`, { method: 'POST', body: new URLSearchParams({ AUTH_ID: 'x' }) });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('AUTH_ID');
  });

  it('says the app is not configured when an install arrives without B24_CLIENT_ID', async () => {
    const response = await fetch(`${base}/install`, { method: 'POST', body: bitrixOpenForm });
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('B24_CLIENT_ID');
  });

  it('refuses unknown events and malformed event bodies with a 4xx', async () => {
    expect((await fetch(`${base}/events`, { method: 'POST', body: new URLSearchParams({ event: 'ONCRMDEALADD' }) })).status).toBe(400);
    expect((await fetch(`${base}/events`, { method: 'POST', body: 'not a form', headers: { 'Content-Type': 'text/plain' } })).status).toBe(415);
    expect((await fetch(`${base}/events`)).status).toBe(405);
  });

  it('refuses an oversized form body with 413, not 500', async () => {
    const response = await fetch(`${base}/`, { method: 'POST', body: new URLSearchParams({ AUTH_ID: 'x'.repeat(40_000) }) });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: 'BAD_REQUEST' });
  });

  it('serves hashed assets with a long cache and 404s unknown ones', async () => {
    const asset = await fetch(`${base}/assets/main-abc.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${base}/assets/nope.js`)).status).toBe(404);
  });

  it('answers unknown routes with 404, and any API call without Bitrix24 authorization with a JSON 401', async () => {
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
    const api = await fetch(`${base}/api/nothing`);
    expect(api.status).toBe(401);
    expect(await api.json()).toMatchObject({ error: 'AUTH_REQUIRED' });
  });

  it('answers /healthz and tags every response with a request id', async () => {
    const response = await fetch(`${base}/healthz`);
    expect(await response.json()).toEqual({ status: 'ok' });
    expect(response.headers.get('x-request-id')).toMatch(/^[\w-]{8,}$/);
  });

  it('answers /readyz 200 while the database answers, 503 once it does not', async () => {
    const ready = await fetch(`${base}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);

    const gone = await createSqliteTestDatabase();
    const store = createPortalStore(gone.appDb, createTokenCipher(generateEncryptionKey()));
    const app = createApp({ parts: composeParts({ config: loadConfig({}), logger: createLogger({ level: 'silent' }), store, database: gone.appDb }), pages: fixtureClientPages() });
    const other = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => other.once('listening', resolve));
    await gone.appDb.close();
    try {
      const response = await fetch(`http://127.0.0.1:${(other.address() as AddressInfo).port}/readyz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ status: 'unavailable' });
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
      await gone.dispose().catch(() => undefined);
    }
  });
});
