import { afterAll, beforeAll, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'kysely';
import { startStack, type Stack } from '../scripts/stack.js';
import { fixtureClientPages } from '../test/support/fixturePages.js';
import type { SimPortal } from '../simulator/contract.js';
import { MEMBER_ID_HEADER } from './api/frameAuth.js';
import { forEachDatabase } from '../test/support/databases.js';

/**
 * Property-based: malformed and hostile input at every endpoint (install, the app page, events, every
 * /api/ route, with and without a valid admin token) always gets a clear 4xx, never a 500, never
 * crashes the app, and stores nothing. A text the databases cannot keep as typed (a NUL, an unpaired
 * surrogate) is refused naming its field; any other text, however odd, comes back exactly as typed.
 * On SQLite and PostgreSQL: they differ in exactly these characters.
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The test's own oracle: a string survives storage unchanged when it has no NUL and a UTF-8 round trip keeps it. */
const storesAsTyped = (text: string) => !text.includes('\u0000') && Buffer.from(text, 'utf8').toString('utf8') === text;

/** NUL, or one half of a surrogate pair on its own. */
const unstorableCharacter = fc.oneof(fc.constant('\u0000'), fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit)));
/** Characters that trip up encoders, databases and phones: controls, separators, bidi overrides, noncharacters, combining marks, astral and joined emoji. */
const awkwardCharacter = fc.oneof(
  unstorableCharacter,
  fc.constantFrom('\u0001', '\u0008', '\u001b', '\u007f', '\u0085', '\u00a0', '\u2028', '\u2029', '\u200b', '\u200d', '\u202e', '\ufeff', '\ufffd', '\ufffe', '\uffff', '\u0301', '\u{1f600}', '\u{1f469}\u200d\u{1f469}\u200d\u{1f467}', '\u{10ffff}', '\\', '"', "'", '%00'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);
const awkwardString = fc.string({ unit: awkwardCharacter, maxLength: 40 });
/** An awkward string that certainly holds a character no database keeps as typed. */
const unstorableString = fc
  .tuple(awkwardString, unstorableCharacter, awkwardString)
  .map(([before, bad, after]) => before + bad + after)
  .filter((text) => !storesAsTyped(text));

/** Values that break naive parsers: odd types, deep nesting, huge and hostile strings, prototype keys. */
const hostileString = fc.oneof(
  fc.string({ maxLength: 200 }),
  awkwardString,
  fc.constantFrom('', ' ', '0', 'null', 'undefined', '__proto__', 'constructor', '../../etc/passwd', 'http://169.254.169.254/latest/', "'; drop table sends; --", '<script>alert(1)</script>', '\u0000', '\uD800', '\uDC00x', 'a\u0000b', '%00', 'x'.repeat(10_000)),
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

/** A query value as it appears in a URL: encoded hostile text, or raw malformed percent-encoding. */
const rawQueryValue = fc.oneof(
  hostileString.map((text) => encodeURIComponent(text.replace(LONE_SURROGATE, '\uFFFD'))),
  fc.constantFrom('%', '%E0%A4%A', '%00', 'a%00b', '%ED%A0%80', '%ZZ', '%C0%AF', '%uD800', 'a&q=b&q=c', '[]', 'q[$ne]=1'),
);

/** A send that would go through but for one field holding a character no database keeps as typed. */
const unstorableSend = fc.oneof(
  unstorableString.map((text) => ({ field: 'text', error: 'TEXT_INVALID', body: { text } })),
  unstorableString.map((bad) => ({ field: 'avatar', error: 'AVATAR_INVALID', body: { text: 'Hello', avatar: `https://img.example/${bad}.png` } })),
  fc.tuple(unstorableCharacter, fc.nat(36)).map(([bad, at]) => {
    const key = randomUUID();
    return { field: 'idempotencyKey', error: 'IDEMPOTENCY_KEY_INVALID', body: { text: 'Hello', idempotencyKey: key.slice(0, at) + bad + key.slice(at) } };
  }),
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

const DAY_MS = 24 * 60 * 60 * 1000;

forEachDatabase('hostile input', (getDb) => {
  let stack: Stack;
  let portal: SimPortal;
  let adminHeaders: Record<string, string>;

  beforeAll(async () => {
    stack = await startStack({
      pages: fixtureClientPages(),
      databaseUrl: getDb().url,
      portals: [
        { label: 'fuzz', users: 20 },
        { label: 'fresh', users: 5 },
      ],
      apiRateLimits: { user: { burst: 1e9, perSecond: 1e9 }, portal: { burst: 1e9, perSecond: 1e9 } },
    });
    portal = stack.sim.portal('fuzz');
    const opening = portal.openFrame(admin(portal).id, 'INSTALL');
    expect((await fetch(opening.action, { method: 'POST', body: new URLSearchParams(opening.fields) })).status).toBe(200);
    adminHeaders = { Authorization: `Bearer ${portal.issueTokens(admin(portal).id).access_token}`, [MEMBER_ID_HEADER]: portal.memberId };
  });

  afterAll(async () => {
    await stack?.close();
  });

  const admin = (of: SimPortal) => of.directory.users.find((user) => user.admin && user.active)!;

  async function rowCounts(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const table of ['portals', 'portal_users', 'sends', 'send_chunks']) {
      const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(stack.database.db);
      counts[table] = Number(rows[0]?.n ?? 0);
    }
    return counts;
  }

  async function hit(method: string, path: string, payload: { type: string; text: string } | null, headers: Record<string, string>): Promise<number> {
    const response = await fetch(`${stack.appUrl}${path}`, {
      method,
      headers: payload ? { ...headers, 'Content-Type': payload.type } : headers,
      body: payload && method !== 'GET' ? payload.text : undefined,
    });
    await response.arrayBuffer();
    return response.status;
  }

  type Answer = { error?: string; message?: string; field?: string; detail?: string; send?: { id: string; text: string; avatar: string | null } };
  async function postJson(path: string, value: unknown): Promise<{ status: number; answer: Answer }> {
    const response = await fetch(`${stack.appUrl}${path}`, { method: 'POST', headers: { ...adminHeaders, 'Content-Type': 'application/json' }, body: JSON.stringify(value) });
    return { status: response.status, answer: (await response.json()) as Answer };
  }

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

  it('a NUL or an unpaired surrogate in text, image URL, idempotency key, search or token: 400 naming the field, nothing stored, nothing sent', async () => {
    const before = await rowCounts();
    const pushesBefore = portal.pushes.length;
    const cases: Array<[unknown, string, string]> = [
      [{ text: 'a\u0000b' }, 'TEXT_INVALID', 'text'],
      [{ text: '\u0000' }, 'TEXT_INVALID', 'text'],
      [{ text: '\uD800' }, 'TEXT_INVALID', 'text'],
      [{ text: '\uDC00x' }, 'TEXT_INVALID', 'text'],
      [{ text: 'Hi \uD83D' }, 'TEXT_INVALID', 'text'],
      [{ text: '\uDE00\uD83D' }, 'TEXT_INVALID', 'text'],
      [{ text: 'Hello', avatar: 'https://img.example/a\u0000.png' }, 'AVATAR_INVALID', 'avatar'],
      [{ text: 'Hello', avatar: 'https://img.example/\uD800.png' }, 'AVATAR_INVALID', 'avatar'],
      [{ text: 'Hello', idempotencyKey: `${randomUUID()}\u0000` }, 'IDEMPOTENCY_KEY_INVALID', 'idempotencyKey'],
      [{ text: 'Hello', idempotencyKey: `\uDBFF${randomUUID()}` }, 'IDEMPOTENCY_KEY_INVALID', 'idempotencyKey'],
    ];
    for (const [fields, error, field] of cases) {
      for (const extra of [{ testToSelf: true }, { audience: { users: [admin(portal).id] }, sendAt: new Date(Date.now() + DAY_MS).toISOString() }]) {
        const { status, answer } = await postJson('/api/sends', { idempotencyKey: randomUUID(), ...extra, ...(fields as object) });
        expect([status, answer.error, answer.field], JSON.stringify(fields)).toEqual([400, error, field]);
        expect(answer.detail).toMatch(/NUL|surrogate|idempotency key/);
      }
    }
    const check = await postJson('/api/message/check', { text: 'a\u0000b' });
    expect([check.status, check.answer.error, check.answer.field]).toEqual([400, 'TEXT_INVALID', 'text']);
    const search = await fetch(`${stack.appUrl}/api/recipients/search?q=a%00b`, { headers: adminHeaders });
    expect([search.status, ((await search.json()) as { field?: string }).field]).toEqual([400, 'q']);

    const fresh = stack.sim.portal('fresh');
    const opening = fresh.openFrame(admin(fresh).id, 'INSTALL');
    const install = await fetch(opening.action, { method: 'POST', body: new URLSearchParams({ ...opening.fields, APPLICATION_TOKEN: `${fresh.applicationToken}\u0000` }) });
    expect([install.status, await install.text()]).toEqual([400, expect.stringContaining('APPLICATION_TOKEN')]);
    expect(await stack.store.getPortal(fresh.memberId)).toBeNull();
    const event = await hit('POST', '/events', { type: 'application/x-www-form-urlencoded', text: new URLSearchParams({ event: 'ONAPPINSTALL', 'auth[member_id]': portal.memberId, 'auth[application_token]': `${portal.applicationToken}\u0000` }).toString() }, {});
    expect(event).toBe(400);

    expect(await rowCounts()).toEqual(before);
    expect(portal.pushes.length).toBe(pushesBefore);
  });

  it('property: a send whose text, image URL or key holds a NUL or an unpaired surrogate is refused naming that field; nothing stored, nothing sent', async () => {
    const before = await rowCounts();
    const pushesBefore = portal.pushes.length;
    await fc.assert(
      fc.asyncProperty(unstorableSend, fc.boolean(), async ({ field, error, body: fields }, scheduled) => {
        const extra = scheduled ? { audience: { users: [admin(portal).id] }, sendAt: new Date(Date.now() + DAY_MS).toISOString() } : { testToSelf: true };
        const { status, answer } = await postJson('/api/sends', { idempotencyKey: randomUUID(), ...extra, ...fields });
        expect([status, answer.error, answer.field], JSON.stringify(fields)).toEqual([400, error, field]);
      }),
      { numRuns: 150 },
    );
    expect(await rowCounts()).toEqual(before);
    expect(portal.pushes.length).toBe(pushesBefore);
  });

  it('property: any other text and image URL, however awkward, is stored and shown in the history exactly as typed', async () => {
    const storable = awkwardString.filter((text) => storesAsTyped(text) && text.trim() !== '' && text.trim() !== '0');
    await fc.assert(
      fc.asyncProperty(storable, storable, async (text, path) => {
        const avatar = `https://img.example/${path}`;
        const sent = await postJson('/api/sends', { idempotencyKey: randomUUID(), text, avatar, audience: { users: [admin(portal).id] }, sendAt: new Date(Date.now() + DAY_MS).toISOString() });
        expect(sent.status, JSON.stringify({ text, avatar, answer: sent.answer })).toBe(201);
        const shown = await fetch(`${stack.appUrl}/api/sends/${sent.answer.send!.id}`, { headers: adminHeaders });
        const { send } = (await shown.json()) as { send: { text: string; avatar: string | null } };
        expect({ text: send.text, avatar: send.avatar }).toEqual({ text: text.trim(), avatar: avatar.trim() });
      }),
      { numRuns: 60 },
    );
  });
});
