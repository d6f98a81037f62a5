import { describe, expect, it } from 'vitest';
import { appEvent, describeIssues, frameOpenForm, normaliseEventName } from './requestSchemas.js';

const auth = {
  access_token: 'a'.repeat(70),
  refresh_token: 'r'.repeat(70),
  domain: 'portal.bitrix24.com',
  server_endpoint: 'https://oauth.bitrix.info/rest/',
  client_endpoint: 'https://portal.bitrix24.com/rest/',
  member_id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
  user_id: '1',
  application_token: 'b'.repeat(32),
};

describe('appEvent', () => {
  it('parses ONAPPINSTALL as express parses the bracketed form', () => {
    const parsed = appEvent.parse(normaliseEventName({ event: 'onappinstall', data: { VERSION: '1', ACTIVE: 'Y', INSTALLED: 'Y', LANGUAGE_ID: 'en' }, ts: '1700000000', auth }));
    expect(parsed.event).toBe('ONAPPINSTALL');
    expect(parsed.auth.user_id).toBe(1);
  });

  it('parses ONAPPUNINSTALL with CLEAN and the reduced auth block', () => {
    const parsed = appEvent.parse({
      event: 'ONAPPUNINSTALL',
      data: { CLEAN: '1', LANGUAGE_ID: 'ru' },
      auth: { domain: auth.domain, client_endpoint: auth.client_endpoint, server_endpoint: auth.server_endpoint, member_id: auth.member_id, application_token: auth.application_token },
    });
    expect(parsed.event === 'ONAPPUNINSTALL' && parsed.data.CLEAN).toBe(true);
  });

  it.each([
    [{ event: 'ONCRMDEALADD', auth }, 'event'],
    [{ event: 'ONAPPINSTALL' }, 'auth'],
    [{ event: 'ONAPPINSTALL', auth: { ...auth, member_id: '../../etc' } }, 'auth.member_id'],
    [{ event: 'ONAPPINSTALL', auth: { ...auth, application_token: '' } }, 'auth.application_token'],
    [{ event: 'ONAPPUNINSTALL', data: { CLEAN: 'maybe' }, auth }, 'data.CLEAN'],
    ['not an object', ''],
  ])('refuses %o, naming %s', (body, field) => {
    const result = appEvent.safeParse(normaliseEventName(body));
    expect(result.success).toBe(false);
    if (!result.success && field) expect(describeIssues(result.error)).toContain(field);
  });
});

describe('frameOpenForm', () => {
  it('accepts the fields Bitrix24 POSTs into the frame', () => {
    const form = frameOpenForm.parse({ AUTH_ID: auth.access_token, AUTH_EXPIRES: '3600', REFRESH_ID: auth.refresh_token, member_id: auth.member_id, status: 'L', PLACEMENT: 'DEFAULT', PLACEMENT_OPTIONS: 'undefined' });
    expect(form.AUTH_EXPIRES).toBe(3600);
  });

  it('names the field that is wrong', () => {
    const result = frameOpenForm.safeParse({ AUTH_ID: 'short', REFRESH_ID: auth.refresh_token, member_id: auth.member_id });
    expect(result.success).toBe(false);
    if (!result.success) expect(describeIssues(result.error)).toBe('AUTH_ID: is too short to be a token');
  });
});
