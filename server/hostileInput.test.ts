import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'kysely';
import { startStack, type Stack } from '../e2e/support/stack.js';
import { fixtureClientPages } from '../e2e/support/fixturePages.js';
import type { SimPortal } from '../e2e/portal/contract.js';
import { MEMBER_ID_HEADER } from './api/frameAuth.js';

/**
 * Property-based: malformed and hostile input at every endpoint (install, the app page, events, every
 * /api/ route, with and without a valid admin token) always gets a clear 4xx, never a 500, never
 * crashes the app, and stores nothing.
 */

let stack: Stack;
let portal: SimPortal;
let adminHeaders: Record<string, string>;

beforeAll(async () => {
  stack = await startStack({ pages: fixtureClientPages(), portals: [{ label: 'fuzz', users: 20 }], apiRateLimits: { user: { burst: 1e9, perSecond: 1e9 }, portal: { burst: 1e9, perSecond: 1e9 } } });
  portal = stack.sim.portal('fuzz');
  const admin = portal.directory.users.find((user) => user.admin && user.active)!;
  const opening = portal.openFrame(admin.id, 'INSTALL');
  expect((await fetch(opening.action, { method: 'POST', body: new URLSearchParams(opening.fields) })).status).toBe(200);
  adminHeaders = { Authorization: `Bearer ${portal.issueTokens(admin.id).access_token}`, [MEMBER_ID_HEADER]: portal.memberId };
});

afterAll(async () => {
  await stack?.close();
});

async function rowCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['portals', 'portal_users', 'sends', 'send_chunks']) {
    const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(stack.database.db);
    counts[table] = Number(rows[0]?.n ?? 0);
  }
  return counts;
}

/** Values that break naive parsers: odd types, deep nesting, huge and hostile strings, prototype keys. */
const hostileString = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.constantFrom('', ' ', '0', 'null', 'undefined', '__proto__', 'constructor', '../../etc/passwd', 'http://169.254.169.254/latest/', "'; drop table sends; --", '<script>alert(1)</script>', '\u0000', '\uD800', '%00', 'x'.repeat(10_000)),
);
const hostileValue = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, hostileString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(tie('value'), { maxLength: 5 }), fc.dictionary(hostileString, tie('value'), { maxKeys: 5 })),
})).value;
const hostileObject = fc.oneof(
  fc.dictionary(fc.oneof(hostileString, fc.constantFrom('text', 'audience', 'idempotencyKey', 'avatar', 'testToSelf', 'sendAt', '__proto__', 'users', 'q')), hostileValue, { maxKeys: 8 }),
  fc.record({ idempotencyKey: hostileValue, text: hostileValue, audience: hostileValue, avatar: hostileValue, testToSelf: hostileValue }, { requiredKeys: [] }),
  fc.record({ audience: fc.record({ users: hostileValue, departments: hostileValue, groups: hostileValue, accessCodes: hostileValue, all: hostileValue }, { requiredKeys: [] }) }),
);
const body = fc.oneof(
  hostileObject.map((value) => ({ type: 'application/json', text: JSON.stringify(value) })),
  hostileValue.map((value) => ({ type: 'application/json', text: JSON.stringify(value) ?? 'null' })),
  hostileString.map((text) => ({ type: 'application/json', text })),
  fc.dictionary(hostileString, hostileString, { maxKeys: 8 }).map((fields) => ({ type: 'application/x-www-form-urlencoded', text: new URLSearchParams(fields).toString() })),
  hostileString.map((text) => ({ type: 'application/x-www-form-urlencoded', text })),
  hostileString.map((text) => ({ type: 'text/plain', text })),
);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A query value as it appears in a URL: encoded hostile text, or raw malformed percent-encoding. */
const rawQueryValue = fc.oneof(
  hostileString.map((text) => encodeURIComponent(text.replace(LONE_SURROGATE, '\uFFFD'))),
  fc.constantFrom('%', '%E0%A4%A', '%00', '%ZZ', '%C0%AF', '%uD800', 'a&q=b&q=c', '[]', 'q[$ne]=1'),
);

const API_ROUTES: Array<[string, string]> = [
  ['GET', '/api/status'],
  ['POST', '/api/sends'],
  ['GET', '/api/sends'],
  ['GET', '/api/sends/00000000-0000-7000-8000-000000000000'],
  ['POST', '/api/sends/00000000-0000-7000-8000-000000000000/cancel'],
  ['POST', '/api/message/check'],
  ['POST', '/api/audience/preview'],
  ['GET', '/api/recipients/search'],
  ['GET', '/api/recipients/directory'],
];

async function hit(method: string, path: string, payload: { type: string; text: string } | null, headers: Record<string, string>): Promise<number> {
  const response = await fetch(`${stack.appUrl}${path}`, {
    method,
    headers: payload ? { ...headers, 'Content-Type': payload.type } : headers,
    body: payload && method !== 'GET' ? payload.text : undefined,
  });
  await response.arrayBuffer();
  return response.status;
}

describe('hostile input', () => {
  it('install, app page and events: always a clear 4xx (or the page), never a 500, nothing stored', async () => {
    const before = await rowCounts();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/install', '/', '/events', '/?DOMAIN=evil.example&PROTOCOL=1&APP_SID=x'), body, async (path, payload) => {
        const status = await hit('POST', path, payload, {});
        expect(status, `${path} ${payload.type} ${payload.text.slice(0, 80)}`).toBeLessThan(500);
        expect(status === 200 ? path.startsWith('/?') || path === '/' : true).toBe(true);
      }),
      { numRuns: 150 },
    );
    expect(await rowCounts()).toEqual(before);
  });

  it('every /api/ route without a valid token: 401, whatever the headers claim', async () => {
    const before = await rowCounts();
    const headers = fc.record(
      {
        Authorization: fc.oneof(hostileString.map((s) => `Bearer ${s}`), hostileString),
        [MEMBER_ID_HEADER]: fc.oneof(hostileString, fc.constant(portal.memberId)),
        'X-B24-Is-Admin': fc.constant('Y'),
        'X-B24-Domain': fc.constant('evil.example'),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...API_ROUTES), body, headers, async ([method, path], payload, claimed) => {
        const clean = Object.fromEntries(Object.entries(claimed).filter(([, value]) => /^[\t\x20-\x7e]*$/.test(value)));
        const status = await hit(method, path, payload, clean);
        expect(status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
        expect(status).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
    expect(await rowCounts()).toEqual(before);
  });

  it('every /api/ route as a real admin with hostile bodies and queries: a 4xx naming the problem, never a 500, nothing sent', async () => {
    const pushesBefore = portal.pushes.length;
    const sendsBefore = (await rowCounts()).sends;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...API_ROUTES), body, rawQueryValue, async ([method, path], payload, value) => {
        const target = `${path}${path.includes('?') ? '&' : '?'}q=${value}&limit=${value}&before=${value}`;
        const status = await hit(method, method === 'GET' ? target : path, payload, adminHeaders);
        expect(status, `${method} ${path} ${payload.text.slice(0, 80)}`).toBeLessThan(500);
      }),
      { numRuns: 200 },
    );
    expect(portal.pushes.length).toBe(pushesBefore);
    expect((await rowCounts()).sends).toBe(sendsBefore);
    // Still alive and well.
    expect((await fetch(`${stack.appUrl}/readyz`)).status).toBe(200);
  });
});
