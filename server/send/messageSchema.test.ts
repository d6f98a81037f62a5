import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ANDROID_PAYLOAD_BYTES, IOS_PAYLOAD_BYTES, PAYLOAD_OVERHEAD_BYTES, TEXT_MAX_CHARS, messageCheckSchema, payloadFit, sendRequestSchema, validationFailure } from './messageSchema.js';

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

  it('payloadFit counts UTF-8 bytes of name, text and avatar (JSON-escaped) plus the overhead allowance', () => {
    expect(payloadFit('Team Push', 'Hi', null).bytes).toBe(9 + 2 + PAYLOAD_OVERHEAD_BYTES);
    expect(payloadFit('App', 'a"b\n', 'https://x.example/a').bytes).toBe(3 + 6 + 19 + PAYLOAD_OVERHEAD_BYTES);
    const cyrillic = payloadFit('Team Push', 'я'.repeat(1000));
    expect(cyrillic).toMatchObject({ ios: { fits: false, limit: IOS_PAYLOAD_BYTES }, android: { fits: true, limit: ANDROID_PAYLOAD_BYTES } });
    const edge = IOS_PAYLOAD_BYTES - PAYLOAD_OVERHEAD_BYTES - 3;
    expect(payloadFit('App', 'a'.repeat(edge)).ios.fits).toBe(true);
    expect(payloadFit('App', 'a'.repeat(edge + 1)).ios.fits).toBe(false);
  });
});
