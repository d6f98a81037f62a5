import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../scripts/stack.js';
import { fixtureClientPages } from '../../test/support/fixturePages.js';
import { firstAdmin } from '../../test/support/directory.js';
import { LANGUAGES, TEXTS, type Language } from '../../contract/errorMessages.js';
import { BITRIX_ERRORS, NETWORK_ERROR, UNKNOWN_ERROR } from '../bitrix/errorCatalog.js';
import { SEND_ERRORS } from '../send/sendErrors.js';
import { MEMBER_ID_HEADER } from './frameAuth.js';

/**
 * Issue 20, section 3: every refusal has a stable code whose text exists in every language, in one file
 * per language (contract/texts/), and the API answers it in the request's language, naming the field
 * as the admin knows it.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const english = TEXTS.en;

/** Source files (no tests) under `folder`, relative to the repository root. */
function sources(folder: string): string[] {
  return readdirSync(path.join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.tsx?$/.test(file) && !/\.test\.tsx?$/.test(file))
    .map((file) => path.join(folder, file).split(path.sep).join('/'));
}

/**
 * Every code the server can answer: the codes table (contract/texts/en.ts `errors`: refuse() and
 * errorAnswer() take only its keys, so a route's code is in it or does not compile) and the codes the
 * error tables map Bitrix24's codes and the send failures to.
 */
function serverCodes(): string[] {
  const tables = [...Object.values(BITRIX_ERRORS), ...Object.values(SEND_ERRORS), UNKNOWN_ERROR, NETWORK_ERROR].map((entry) => entry.apiCode);
  return [...new Set([...Object.keys(english.errors), ...tables])].sort();
}

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

describe('the texts: one file per language, a text for every code', () => {
  it('finds the codes of the routes and of the error tables', () => {
    const codes = serverCodes();
    for (const code of ['NOT_ADMIN', 'REOPEN_APP', 'OUTCOME_UNKNOWN', 'BAD_TOKEN', 'TOO_MANY_REQUESTS', 'SEND_NOT_FOUND', 'NOT_CANCELLABLE', 'METHOD_NOT_ALLOWED', 'NOT_FOUND', 'BAD_REQUEST', 'DATABASE_UNAVAILABLE', 'SEND_AT_INVALID', 'UNKNOWN_FIELD', 'SEARCH_INVALID']) {
      expect(codes, code).toContain(code);
    }
  });

  it.each(LANGUAGES)('%s has a text for every code the server can answer, with English’s placeholders', (language) => {
    const texts: Record<string, string | undefined> = TEXTS[language].errors;
    const missing = serverCodes().filter((code) => !texts[code]?.trim());
    expect(missing, `codes without a ${language} text (contract/texts/${language}.ts)`).toEqual([]);
    for (const [code, text] of Object.entries(english.errors)) expect(placeholders(texts[code] ?? ''), `${language} ${code}`).toEqual(placeholders(text));
  });

  it.each(LANGUAGES)('%s has exactly English’s keys in every section, none empty', (language) => {
    const texts = TEXTS[language];
    for (const section of ['errors', 'fields', 'causes', 'refusalPages'] as const) {
      expect(Object.keys(texts[section]).sort(), `${language} ${section}`).toEqual(Object.keys(english[section]).sort());
    }
    const strings = [...Object.values(texts.errors), ...Object.values(texts.fields), ...Object.values(texts.causes), ...Object.values(texts.refusalPages).flatMap(Object.values)];
    for (const text of strings) expect(text.trim()).not.toBe('');
  });

  it('every cause with words of its own is a key of an error table', () => {
    const keys = new Set([...Object.keys(BITRIX_ERRORS), ...Object.keys(SEND_ERRORS)]);
    expect(Object.keys(english.causes).filter((cause) => !keys.has(cause))).toEqual([]);
  });

  it('the error tables word each entry in its language: Russian in Cyrillic, German and English without', () => {
    for (const entry of [...Object.values(BITRIX_ERRORS), ...Object.values(SEND_ERRORS), UNKNOWN_ERROR, NETWORK_ERROR]) {
      expect(entry.message.ru).toMatch(/[а-яё]/i);
      expect(entry.message.de).not.toMatch(/[а-яё]/i);
      expect(entry.message.en).not.toBe(entry.message.de);
    }
  });

  /**
   * Russian and German are written in one file each. Cyrillic, and the letters only German uses, appear
   * nowhere else in the server, the contract or the frame; nor does a per-language table (`ru: '…'`).
   * The frame's own UI strings (client/src/lib/i18n/{ru,de}.ts) are the one other place until they move
   * into contract/texts/ too.
   */
  it('no Russian or German text outside its language file', () => {
    const allowed: Record<'ru' | 'de', string[]> = {
      ru: ['contract/texts/ru.ts', 'client/src/lib/i18n/ru.ts'],
      de: ['contract/texts/de.ts', 'client/src/lib/i18n/de.ts'],
    };
    const letters: Record<'ru' | 'de', RegExp> = { ru: /[\u0400-\u04FF]/, de: /[äöüßÄÖÜẞ]/ };
    const misplaced: string[] = [];
    for (const file of [...sources('server'), ...sources('contract'), ...sources('client/src')]) {
      const text = readFileSync(path.join(root, file), 'utf8');
      for (const language of ['ru', 'de'] as const) {
        if (letters[language].test(text) && !allowed[language].includes(file)) misplaced.push(`${file}: ${language} text`);
      }
      if (/\b(?:ru|de):\s*['"`]/.test(text) && !Object.values(allowed).flat().includes(file)) misplaced.push(`${file}: a per-language table`);
    }
    expect(misplaced).toEqual([]);
  });
});

describe('the API answers in the request’s language', () => {
  let stack: Stack;
  let headers: Record<string, string>;

  beforeAll(async () => {
    stack = await startStack({ pages: fixtureClientPages(), portals: [{ label: 'one', users: 10 }] });
    const portal = stack.sim.portal('one');
    const opening = portal.openFrame(firstAdmin(portal).id, 'INSTALL');
    expect((await fetch(opening.action, { method: 'POST', body: new URLSearchParams(opening.fields) })).status).toBe(200);
    headers = { Authorization: `Bearer ${portal.issueTokens(firstAdmin(portal).id).access_token}`, [MEMBER_ID_HEADER]: portal.memberId };
  });

  afterAll(async () => {
    await stack?.close();
  });

  type Answer = { error: string; message: string; field?: string; detail?: string };
  async function ask(language: Language, method: string, apiPath: string, options: { body?: unknown; auth?: Record<string, string> } = {}): Promise<{ status: number; answer: Answer }> {
    const response = await fetch(`${stack.appUrl}/api${apiPath}`, {
      method,
      headers: { ...(options.auth ?? headers), 'Accept-Language': language, ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    return { status: response.status, answer: (await response.json()) as Answer };
  }

  const inHour = () => new Date(Date.now() + 3_600_000).toISOString();

  it.each(LANGUAGES)('%s: the frame’s refusals, each with its code’s text, the field by its name', async (language) => {
    const texts = TEXTS[language];
    const portal = stack.sim.portal('one');
    const cases: Array<{ call: Promise<{ status: number; answer: Answer }>; status: number; error: keyof typeof texts.errors; field?: string; message?: string }> = [
      { call: ask(language, 'GET', '/status', { auth: {} }), status: 401, error: 'AUTH_REQUIRED' },
      { call: ask(language, 'GET', '/status', { auth: { Authorization: 'Bearer not-a-real-token', [MEMBER_ID_HEADER]: portal.memberId } }), status: 401, error: 'BAD_TOKEN' },
      {
        call: ask(language, 'POST', '/sends', { body: { idempotencyKey: crypto.randomUUID(), text: 'Later', audience: { users: [1] }, sendAt: new Date(Date.now() - 3_600_000).toISOString() } }),
        status: 400,
        error: 'SEND_AT_INVALID',
        field: 'sendAt',
      },
      { call: ask(language, 'POST', '/sends', { body: { idempotencyKey: crypto.randomUUID(), text: '   ', testToSelf: true } }), status: 400, error: 'TEXT_EMPTY', field: 'text' },
      { call: ask(language, 'POST', '/sends', { body: { idempotencyKey: crypto.randomUUID(), text: 'Hi', audience: { users: ['5'] } } }), status: 400, error: 'AUDIENCE_INVALID', field: 'audience.users.0' },
      {
        call: ask(language, 'POST', '/sends', { body: { idempotencyKey: crypto.randomUUID(), text: 'Hi', testToSelf: 'yes' } }),
        status: 400,
        error: 'VALIDATION_FAILED',
        field: 'testToSelf',
        message: texts.errors.VALIDATION_FAILED.replace('{field}', texts.fields.testToSelf),
      },
      { call: ask(language, 'POST', '/sends', { body: { idempotencyKey: crypto.randomUUID(), text: 'Hi', testToSelf: true, colour: 'red' } }), status: 400, error: 'UNKNOWN_FIELD', field: 'colour', message: texts.errors.UNKNOWN_FIELD.replace('{path}', 'colour') },
      { call: ask(language, 'GET', '/sends/00000000-0000-7000-8000-000000000000'), status: 404, error: 'SEND_NOT_FOUND' },
      { call: ask(language, 'PUT', '/sends'), status: 405, error: 'METHOD_NOT_ALLOWED' },
      { call: ask(language, 'GET', '/nothing-here'), status: 404, error: 'NOT_FOUND' },
      { call: ask(language, 'POST', '/sends', { body: { idempotencyKey: crypto.randomUUID(), text: 'Hi', audience: { users: [1] }, sendAt: inHour(), testToSelf: true } }), status: 400, error: 'SEND_AT_INVALID', field: 'sendAt' },
    ];
    for (const { call, status, error, field, message } of cases) {
      const { status: got, answer } = await call;
      expect([got, answer.error, answer.field], error).toEqual([status, error, field]);
      expect(answer.message, error).toBe(message ?? texts.errors[error]);
      // The request's names never reach the admin's text.
      expect(answer.message).not.toMatch(/sendAt|testToSelf|audience|idempotencyKey|\{"/);
    }
  });

  it('a non-admin is refused in their language; English for a language the app does not speak', async () => {
    const portal = stack.sim.portal('one');
    const employee = portal.directory.users.find((user) => !user.admin && user.active && user.type === 'employee')!;
    const auth = { Authorization: `Bearer ${portal.issueTokens(employee.id).access_token}`, [MEMBER_ID_HEADER]: portal.memberId };
    expect((await ask('de', 'GET', '/sends', { auth })).answer).toMatchObject({ error: 'NOT_ADMIN', message: TEXTS.de.errors.NOT_ADMIN });
    const french = await fetch(`${stack.appUrl}/api/sends`, { headers: { ...auth, 'Accept-Language': 'fr-FR' } });
    expect(((await french.json()) as Answer).message).toBe(TEXTS.en.errors.NOT_ADMIN);
  });
});
