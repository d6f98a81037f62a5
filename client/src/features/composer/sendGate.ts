import { TEXT_MAX_CHARS } from '../../lib/contract';
import type { Translate } from '../../lib/i18n';
import type { Pick } from '../../entities/audience/selection';
import { picksInWords } from '../../entities/audience/inWords';

/** Above this many people a send asks for confirmation first. */
export const CONFIRM_ABOVE = 50;

/** Why Send is disabled (the first thing to fix), or null when the message and the audience can go. */
export type SendProblem = 'recipients' | 'audience' | 'text' | 'textTooLong' | 'avatar';

export function sendProblem(state: {
  /** Something is picked. */
  picked: boolean;
  /** The server refused the audience as it is now (a department or group that no longer exists, a bad pick). */
  audienceRefused: boolean;
  /** The text as typed. */
  text: string;
  /** The avatar URL fails the contract's rules (not https, too long). */
  avatarInvalid: boolean;
}): SendProblem | null {
  if (!state.picked) return 'recipients';
  if (state.audienceRefused) return 'audience';
  const text = state.text.trim();
  if (text === '' || text === '0') return 'text';
  if ([...text].length > TEXT_MAX_CHARS) return 'textTooLong';
  if (state.avatarInvalid) return 'avatar';
  return null;
}

/**
 * Whether a send to an audience must be confirmed first: always when it is scheduled or goes to
 * everybody, when the number of people is unknown (still counting, counting failed, or the count on
 * screen is still the previous audience's: `count` is null then), above CONFIRM_ABOVE, and when the
 * avatar image has not (yet) loaded (the admin sees that in the recap). A small, counted audience with
 * nothing in doubt goes at once.
 */
export function mustConfirm(state: { scheduled: boolean; everybody: boolean; count: number | null; avatarInDoubt: boolean }): boolean {
  return state.scheduled || state.everybody || state.count === null || state.count > CONFIRM_ABOVE || state.avatarInDoubt;
}

/** How many names the confirmation lists before "and N more". */
export const RECAP_NAMES = 6;

/** The audience by name, as the confirmation recaps it: "Sales and its sub-departments, Migration Team B". */
export function audienceInWords(picks: readonly Pick[], t: Translate): string {
  return picksInWords(picks, t, RECAP_NAMES);
}
