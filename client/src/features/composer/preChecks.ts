import { AVATAR_MAX_CHARS, SCHEDULE_MIN_AHEAD_MS, TEXT_MAX_CHARS, latestSendAt } from '../../lib/contract';

/**
 * What the composer checks before anything is sent, by the contract's own rules (contract/constants.ts),
 * as the code the server would refuse it with: the admin reads the same text (contract/texts/) at the
 * field before sending as the server would answer after. The server checks everything again.
 */

/** The text, trimmed: empty (Bitrix24 also refuses "0") or over TEXT_MAX_CHARS code points. */
export function textCheck(text: string): 'TEXT_EMPTY' | 'TEXT_TOO_LONG' | null {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === '0') return 'TEXT_EMPTY';
  return [...trimmed].length > TEXT_MAX_CHARS ? 'TEXT_TOO_LONG' : null;
}

/** The avatar URL, when there is one: an absolute https:// address of at most AVATAR_MAX_CHARS. */
export function avatarCheck(avatar: string): 'AVATAR_INVALID' | null {
  const value = avatar.trim();
  if (!value) return null;
  if (value.length > AVATAR_MAX_CHARS) return 'AVATAR_INVALID';
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && url.hostname !== '' ? null : 'AVATAR_INVALID';
  } catch {
    return 'AVATAR_INVALID';
  }
}

/** A schedule (an instant, ISO 8601): at least SCHEDULE_MIN_AHEAD_MS after `now`, at most a calendar year. */
export function sendAtCheck(iso: string | null, now: number): 'SEND_AT_INVALID' | null {
  const at = iso === null ? Number.NaN : Date.parse(iso);
  if (Number.isNaN(at) || at < now + SCHEDULE_MIN_AHEAD_MS || at > latestSendAt(now)) return 'SEND_AT_INVALID';
  return null;
}
