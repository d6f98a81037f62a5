import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../scripts/stack.js';
import { fixtureClientPages } from '../test/support/fixturePages.js';
import { loadConfig } from '../server/config.js';
import { REQUIRED_SCOPES } from '../server/bitrix/scopes.js';
import { loadManifest, manifestSchema, vendorCard } from './manifestSchema.js';

/** manifest/app.json against its schema and against the code: names, scopes and URLs must be the app's own. */

const manifest = loadManifest();
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ pages: fixtureClientPages() });
});

afterAll(async () => {
  await stack?.close();
});

describe('the Market manifest', () => {
  it('is valid against its schema, and the schema refuses what the Market would', () => {
    expect(manifestSchema.safeParse(manifest).success).toBe(true);
    expect(manifestSchema.safeParse({ ...manifest, code: 'Team Push' }).success).toBe(false);
    for (const code of ['acme.team_push', 'telefum24.kp10']) expect(manifestSchema.safeParse({ ...manifest, code }).success, code).toBe(true);
    for (const code of ['.team_push', 'acme..push', 'acme.', 'Acme.Push', 'ab']) expect(manifestSchema.safeParse({ ...manifest, code }).success, code).toBe(false);
    expect(manifestSchema.safeParse({ ...manifest, scopes: ['pull', 'crm'] }).success).toBe(false);
    expect(manifestSchema.safeParse({ ...manifest, handlers: { ...manifest.handlers, app: 'https://elsewhere.example/' } }).success).toBe(false);
    expect(manifestSchema.safeParse({ ...manifest, extra: 1 }).success).toBe(false);
  });

  it('registers the name the server titles pushes with (B24_APP_NAME default)', () => {
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'sqlite::memory:' });
    expect(manifest.names.en).toBe(config.appName);
  });

  it('asks for exactly the scopes the code calls methods of, and no placement scope (none is used)', () => {
    expect([...manifest.scopes].sort()).toEqual([...REQUIRED_SCOPES].sort());
    expect(manifest.scopes).not.toContain('placement');
  });

  it('names handler URLs the server really serves', async () => {
    const at = (path: string) => new URL(path, stack.appUrl).href;
    // Outside Bitrix24 (no fields) the pages answer with the "open from Bitrix24" page or a refusal: never "no such page".
    expect((await fetch(at(manifest.handlers.app))).status).toBe(200);
    expect([200, 400]).toContain((await fetch(at(manifest.handlers.app), { method: 'POST', body: new URLSearchParams({}) })).status);
    expect([200, 400]).toContain((await fetch(at(manifest.handlers.install), { method: 'POST', body: new URLSearchParams({}) })).status);
    const events = await fetch(at(manifest.handlers.events), { method: 'POST', body: new URLSearchParams({ event: 'ONAPPINSTALL' }) });
    expect([400, 401, 403]).toContain(events.status);
    // And an unknown path really is unknown.
    expect((await fetch(at('/no-such-handler'), { method: 'POST' })).status).toBe(404);
  });

  it('prints the vendor card for a public https URL, keeping a path prefix', () => {
    const card = new Map(vendorCard(manifest, 'https://apps.example.com/push'));
    expect(card.get('Handler path (app URL)')).toBe('https://apps.example.com/push/');
    expect(card.get('Initial installation path')).toBe('https://apps.example.com/push/install');
    expect(card.get('Access permissions (scopes)')).toBe('pull, user_brief, department, sonet_group');
    expect(() => vendorCard(manifest, 'http://apps.example.com')).toThrow('https://');
  });
});
