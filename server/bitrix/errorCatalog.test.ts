import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BITRIX_ERRORS, describeBitrixError, UNKNOWN_ERROR } from './errorCatalog.js';

const seedPage = readFileSync(new URL('../../../shared/docs/seed-pull-application-push-add.txt', import.meta.url), 'utf8');

/** Error codes as they stand on their own line in the seed page's error tables (after the parameters). */
const errorTables = seedPage.slice(seedPage.indexOf('Possible Error Codes'));
const seedCodes = [...new Set(errorTables.split('\n').map((line) => line.trim()).filter((line) => /^[A-Za-z]+(_[A-Za-z]+)+$/.test(line)))];

describe('Bitrix24 error catalogue', () => {
  it('finds the error codes in the seed page', () => {
    expect(seedCodes).toEqual(expect.arrayContaining(['WRONG_AUTH_TYPE', 'ACCESS_ERROR', 'TEXT_ERROR', 'EMPTY_APP_NAME', 'QUERY_LIMIT_EXCEEDED', 'PORTAL_DELETED', 'user_access_error']));
  });

  it('maps every code of the seed page, plus the OAuth errors', () => {
    for (const code of [...seedCodes, 'invalid_grant', 'invalid_client', 'invalid_token']) {
      expect(BITRIX_ERRORS, code).toHaveProperty(code);
    }
  });

  it('has a message in every language and a client/server status for each code', () => {
    for (const [code, entry] of Object.entries(BITRIX_ERRORS)) {
      for (const language of ['en', 'ru', 'de'] as const) expect(entry.message[language].length, `${code}/${language}`).toBeGreaterThan(20);
      expect(entry.httpStatus, code).toBeGreaterThanOrEqual(400);
      expect(entry.apiCode, code).toMatch(/^[A-Z_]+$/);
    }
  });

  it('never answers 500 for what Bitrix24 reported', () => {
    for (const entry of Object.values(BITRIX_ERRORS)) expect(entry.httpStatus).not.toBe(500);
  });

  it('falls back to an honest generic entry for codes it does not know', () => {
    expect(describeBitrixError('SOMETHING_NEW')).toBe(UNKNOWN_ERROR);
    expect(describeBitrixError('ACCESS_ERROR').apiCode).toBe('NOT_ADMIN');
  });
});
