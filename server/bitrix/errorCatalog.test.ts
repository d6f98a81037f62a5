import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BITRIX_ERRORS, describeBitrixError, UNKNOWN_ERROR } from './errorCatalog.js';

/** The team's copy of the method's documentation page, beside the project (../shared). */
const SEED_PAGE = new URL('../../../shared/docs/seed-pull-application-push-add.txt', import.meta.url);

/** The codes that page listed when this table was last brought up to date with it (2026-11). */
const SEED_CODES_AS_OF_2026_11 = [
  'WRONG_AUTH_TYPE', 'ACCESS_ERROR', 'TEXT_ERROR', 'EMPTY_APP_NAME', 'INTERNAL_SERVER_ERROR', 'ERROR_UNEXPECTED_ANSWER',
  'QUERY_LIMIT_EXCEEDED', 'ERROR_BATCH_METHOD_NOT_ALLOWED', 'ERROR_BATCH_LENGTH_EXCEEDED', 'NO_AUTH_FOUND', 'INVALID_REQUEST',
  'OVERLOAD_LIMIT', 'ACCESS_DENIED', 'INVALID_CREDENTIALS', 'ERROR_MANIFEST_IS_NOT_AVAILABLE', 'insufficient_scope',
  'expired_token', 'user_access_error', 'PORTAL_DELETED',
];

/**
 * Error codes as they stand on their own line in the seed page's error tables (after the parameters).
 * The page is the authority this test checks against: without it the test fails (a copy of its codes
 * would only be compared with itself).
 */
function seedCodesFromPage(): string[] {
  if (!existsSync(SEED_PAGE)) {
    throw new Error(`The method's documentation page is missing: ${SEED_PAGE.pathname} (the team's ../shared/docs beside the project). The error catalogue is checked against it.`);
  }
  const page = readFileSync(SEED_PAGE, 'utf8');
  const start = page.indexOf('Possible Error Codes');
  if (start < 0) throw new Error(`${SEED_PAGE.pathname} has no "Possible Error Codes" section any more: read it and update this test`);
  return [...new Set(page.slice(start).split('\n').map((line) => line.trim()).filter((line) => /^[A-Za-z]+(_[A-Za-z]+)+$/.test(line)))];
}

const seedCodes = seedCodesFromPage();

describe('Bitrix24 error catalogue', () => {
  it('finds the error codes in the seed page, the same ones the catalogue was last brought up to date with', () => {
    expect([...seedCodes].sort()).toEqual([...SEED_CODES_AS_OF_2026_11].sort());
  });

  it('maps every code of the seed page, plus the OAuth errors', () => {
    for (const code of [...seedCodes, 'invalid_grant', 'invalid_client', 'invalid_token', 'PAYMENT_REQUIRED', 'authorization_error', 'APPLICATION_NOT_FOUND']) {
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
