import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ANDROID_PAYLOAD_BYTES,
  IOS_PAYLOAD_BYTES,
  PAYLOAD_OVERHEAD_BYTES,
  SHORTENED_MARK,
  TEXT_MAX_CHARS,
  iphoneText,
  messageCheckSchema,
  latestSendAt,
  payloadBytes,
  payloadFit,
  scheduleProblem,
  sendRequestSchema,
  validationFailure,
} from './messageSchema.js';

const send = sendRequestSchema(z.strictObject({ users: z.array(z.number()) }));
const key = '7d0c4a52-43c5-4c36-8f5a-0a4f4b2f9d11';

describe('message validation', () => {
  it('trims the text and keeps newlines; counts characters, not UTF-16 units', () => {
    expect(messageCheckSchema.parse({ text: '  Hello\nteam  ' }).text).toBe('Hello\nteam');
    expect(messageCheckSchema.safeParse({ text: '😀'.repeat(TEXT_MAX_CHARS) }).success).toBe(true);
    expect(messageCheckSchema.safeParse({ text: 'a'.repeat(TEXT_MAX_CHARS + 1) }).success).toBe(false);
  });

  it('names the field and a stable code for each problem', () => {
    const failure = (body: unknown) => {
      const parsed = send.safeParse(body);
      return parsed.success ? null : validationFailure(parsed.error);
    };
    expect(failure({ idempotencyKey: key, text: '0', testToSelf: true })).toMatchObject({ error: 'TEXT_EMPTY', field: 'text' });
    expect(failure({ idempotencyKey: key, text: 'x'.repeat(1001), testToSelf: true })).toMatchObject({ error: 'TEXT_TOO_LONG', field: 'text' });
    expect(failure({ idempotencyKey: key, text: 'Hi', avatar: 'https://user:pw@img.example/a.png', testToSelf: true })).toMatchObject({ error: 'AVATAR_INVALID' });
    expect(failure({ idempotencyKey: key, text: 'Hi', audience: { users: [1], extra: 1 } })).toMatchObject({ error: 'UNKNOWN_FIELD', field: 'audience.extra' });
    expect(failure({ idempotencyKey: key, text: 'Hi', audience: { users: [1] } })).toBeNull();
    expect(failure(null)).toMatchObject({ error: 'VALIDATION_FAILED' });
  });

  it('payloadFit counts name, text and avatar as the core JSON-encodes them for the phone, plus the overhead allowance', () => {
    expect(payloadFit('Team Push', 'Hi', null).bytes).toBe(9 + 2 + PAYLOAD_OVERHEAD_BYTES);
    // JSON_HEX_QUOT: " is \u0022 (6 bytes); a newline \n (2); PHP escapes / as \/ (2).
    expect(payloadFit('App', 'a"b\n', 'https://x.example/a').bytes).toBe(3 + 10 + 22 + PAYLOAD_OVERHEAD_BYTES);
    // JSON_HEX_TAG, _AMP, _APOS: < > & ' cost 6 bytes each; JSON_UNESCAPED_UNICODE: я is its 2 UTF-8 bytes.
    expect(payloadBytes(`<>&'`)).toBe(24);
    expect(payloadBytes('я€😀')).toBe(2 + 3 + 4);
    expect(payloadBytes('\u0001\u2028\\')).toBe(6 + 6 + 2);
    // A text that fits our count fits the phone: 320 ampersands are 1,920 bytes there, not 320.
    expect(payloadFit('App', '&'.repeat(320)).ios.fits).toBe(false);
    const cyrillic = payloadFit('Team Push', 'я'.repeat(1000));
    expect(cyrillic).toMatchObject({ ios: { fits: false, limit: IOS_PAYLOAD_BYTES }, android: { fits: true, limit: ANDROID_PAYLOAD_BYTES } });
    const edge = IOS_PAYLOAD_BYTES - PAYLOAD_OVERHEAD_BYTES - 3;
    expect(payloadFit('App', 'a'.repeat(edge)).ios.fits).toBe(true);
    expect(payloadFit('App', 'a'.repeat(edge + 1)).ios.fits).toBe(false);
  });
  it('sendAt: a date-time with an explicit offset or Z only, a real day, a minute to a calendar year ahead', () => {
    const parse = (sendAt: unknown) => send.safeParse({ idempotencyKey: key, text: 'Hi', audience: { users: [1] }, sendAt });
    for (const good of ['2026-11-24T09:00:00+01:00', '2026-11-24T08:00Z', '2026-11-24T08:00:00.250-05:30']) expect(parse(good).success, good).toBe(true);
    for (const naive of ['2026-11-24T09:00:00', '2026-11-24T09:00', '2026-11-24', '2026-11-24 09:00:00Z']) {
      const result = parse(naive);
      expect(result.success, naive).toBe(false);
      if (!result.success) expect(validationFailure(result.error)).toMatchObject({ error: 'SEND_AT_INVALID', field: 'sendAt', detail: expect.stringContaining('time zone') });
    }
    expect(parse('2027-02-29T09:00:00Z').success).toBe(false);
    const withTest = send.safeParse({ idempotencyKey: key, text: 'Hi', testToSelf: true, sendAt: '2026-11-24T09:00:00Z' });
    expect(withTest.success || validationFailure(withTest.error).field).toBe('sendAt');

    const now = Date.UTC(2028, 1, 29, 12); // 29 February: a year on is 1 March
    expect(new Date(latestSendAt(now)).toISOString()).toBe('2029-03-01T12:00:00.000Z');
    expect(scheduleProblem(now + 60_000, now)).toBeNull();
    expect(scheduleProblem(now + 59_999, now)).toContain('at least one minute');
    expect(scheduleProblem(latestSendAt(now), now)).toBeNull();
    expect(scheduleProblem(latestSendAt(now) + 1, now)).toContain('within a year');
  });
});

describe('the text an iPhone shows (iphoneText, fit.ios.shown)', () => {
  const room = (appName: string, avatar = '') => IOS_PAYLOAD_BYTES - PAYLOAD_OVERHEAD_BYTES - payloadBytes(appName) - payloadBytes(avatar);
  const fitsIphone = (appName: string, text: string, avatar?: string) => payloadFit(appName, text, avatar).ios.fits;

  it('a text that fits is never changed, and is what fit.ios.shown says', () => {
    const text = 'я'.repeat(Math.floor(room('Team Push') / 2));
    expect(fitsIphone('Team Push', text)).toBe(true);
    expect(iphoneText('Team Push', text)).toBe(text);
    expect(payloadFit('Team Push', text).ios.shown).toBe(text);
  });

  it('a Cyrillic text over the budget: the longest prefix that fits with "…", whole letters only', () => {
    const words = Array.from({ length: 200 }, (_, i) => `слово${i}`).join(' ');
    expect(fitsIphone('Team Push', words)).toBe(false);
    const shown = iphoneText('Team Push', words)!;
    expect(shown.endsWith(SHORTENED_MARK)).toBe(true);
    const kept = shown.slice(0, -SHORTENED_MARK.length);
    expect(words.startsWith(kept)).toBe(true);
    expect(kept).toBe(kept.trimEnd());
    expect(fitsIphone('Team Push', shown)).toBe(true);
    // Up to the next letter would not fit: it is the largest prefix (spaces before "…" are dropped).
    let next = kept.length + 1;
    while (words[next - 1] === ' ') next += 1;
    expect(fitsIphone('Team Push', `${words.slice(0, next)}${SHORTENED_MARK}`)).toBe(false);
    expect(payloadFit('Team Push', words).ios.shown).toBe(shown);
  });

  it('never splits a grapheme: an emoji with a skin tone or a family, a letter with its combining accent', () => {
    for (const grapheme of ['👍🏽', '👨‍👩‍👧‍👦', 'e\u0301', '🇩🇪']) {
      const text = grapheme.repeat(700);
      expect(fitsIphone('App', text)).toBe(false);
      const shown = iphoneText('App', text)!;
      const kept = shown.slice(0, -SHORTENED_MARK.length);
      expect(kept.length % grapheme.length, grapheme).toBe(0);
      expect(kept.length).toBeGreaterThan(0);
      expect(fitsIphone('App', shown), grapheme).toBe(true);
      expect(fitsIphone('App', grapheme.repeat(kept.length / grapheme.length + 1) + SHORTENED_MARK), grapheme).toBe(false);
    }
  });

  it('counts escapes as the core does, and gives null when the name and the image leave no room for any text', () => {
    const quoted = '"'.repeat(600);
    const shown = iphoneText('App', quoted)!;
    expect(payloadBytes(shown)).toBeLessThanOrEqual(room('App'));
    expect(shown.length - 1).toBe(Math.floor((room('App') - 3) / 6));
    const avatar = `https://img.example/?${'&'.repeat(280)}`;
    expect(room('App', avatar)).toBeLessThan(payloadBytes(`a${SHORTENED_MARK}`));
    expect(iphoneText('App', 'Hello', avatar)).toBeNull();
    expect(payloadFit('App', 'Hello', avatar).ios).toMatchObject({ fits: false, shown: null });
  });
});
