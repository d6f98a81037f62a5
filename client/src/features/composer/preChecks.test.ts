import { describe, expect, it } from 'vitest';
import { latestSendAt } from '../../lib/contract';
import { avatarCheck, sendAtCheck, textCheck } from './preChecks';

/** The composer's own checks name the code the server would refuse with, so the admin reads its text before sending. */
describe('checks before sending', () => {
  it('the message: empty (or "0") after trimming, or over 1,000 characters counted as code points', () => {
    expect(textCheck('')).toBe('TEXT_EMPTY');
    expect(textCheck(' \n\t ')).toBe('TEXT_EMPTY');
    expect(textCheck(' 0 ')).toBe('TEXT_EMPTY');
    expect(textCheck('Hello')).toBeNull();
    expect(textCheck('я'.repeat(1000))).toBeNull();
    // 1,000 emoji are 2,000 UTF-16 units but 1,000 characters: allowed; one more is not.
    expect(textCheck('😀'.repeat(1000))).toBeNull();
    expect(textCheck('😀'.repeat(1001))).toBe('TEXT_TOO_LONG');
    expect(textCheck(`  ${'a'.repeat(1000)}  `)).toBeNull();
  });

  it('the send time: at least a minute ahead, at most a calendar year, a real instant', () => {
    const now = Date.UTC(2028, 1, 29, 12); // 29 February: a year on is 1 March
    const at = (ms: number) => new Date(ms).toISOString();
    expect(sendAtCheck(at(now + 60_000), now)).toBeNull();
    expect(sendAtCheck(at(now + 59_999), now)).toBe('SEND_AT_INVALID');
    expect(sendAtCheck(at(now - 3_600_000), now)).toBe('SEND_AT_INVALID');
    expect(sendAtCheck(at(latestSendAt(now)), now)).toBeNull();
    expect(sendAtCheck(at(latestSendAt(now) + 60_000), now)).toBe('SEND_AT_INVALID');
    expect(sendAtCheck(null, now)).toBe('SEND_AT_INVALID');
    expect(sendAtCheck('not a date', now)).toBe('SEND_AT_INVALID');
  });

  it('the avatar: none, or an https:// address of at most 512 characters', () => {
    expect(avatarCheck('')).toBeNull();
    expect(avatarCheck('https://img.example/a.png')).toBeNull();
    expect(avatarCheck('http://img.example/a.png')).toBe('AVATAR_INVALID');
    expect(avatarCheck('img.example/a.png')).toBe('AVATAR_INVALID');
    expect(avatarCheck(`https://img.example/${'a'.repeat(500)}`)).toBe('AVATAR_INVALID');
  });
});
