import { describe, expect, it } from 'vitest';
import { de } from '../../lib/i18n/de';
import { en } from '../../lib/i18n/en';
import { translator } from '../../lib/i18n';
import { ru } from '../../lib/i18n/ru';
import { audienceInWords, CONFIRM_ABOVE, mustConfirm, sendProblem } from './sendGate';

const settled = { scheduled: false, everybody: false, avatarInDoubt: false };

describe('when a send must be confirmed', () => {
  it('goes at once only to a small audience counted for the picks as they are now, with nothing in doubt', () => {
    expect(mustConfirm({ ...settled, count: 1 })).toBe(false);
    expect(mustConfirm({ ...settled, count: CONFIRM_ABOVE })).toBe(false);
  });

  it('asks whenever the count is unknown: still counting, counting failed, or the number on screen is the previous audience’s', () => {
    // The composer passes null in all three cases (useAudiencePreview: placeholder data is never a count).
    expect(mustConfirm({ ...settled, count: null })).toBe(true);
  });

  it('asks above the threshold, for everybody, for a schedule, and while the avatar image is in doubt', () => {
    expect(mustConfirm({ ...settled, count: CONFIRM_ABOVE + 1 })).toBe(true);
    expect(mustConfirm({ ...settled, count: 3, everybody: true })).toBe(true);
    expect(mustConfirm({ ...settled, count: 1, scheduled: true })).toBe(true);
    expect(mustConfirm({ ...settled, count: 1, avatarInDoubt: true })).toBe(true);
  });
});

describe('what keeps Send disabled', () => {
  const ready = { picked: true, audienceRefused: false, text: 'Hello', avatarInvalid: false };
  it('nothing once there are recipients the server accepts and a message', () => {
    expect(sendProblem(ready)).toBeNull();
  });
  it('names the first thing to fix', () => {
    expect(sendProblem({ ...ready, picked: false, text: '' })).toBe('recipients');
    expect(sendProblem({ ...ready, audienceRefused: true })).toBe('audience');
    expect(sendProblem({ ...ready, text: '   ' })).toBe('text');
    // Bitrix24 refuses "0" as empty (PHP empty()).
    expect(sendProblem({ ...ready, text: ' 0 ' })).toBe('text');
    expect(sendProblem({ ...ready, text: '😀'.repeat(1_001) })).toBe('textTooLong');
    expect(sendProblem({ ...ready, text: '😀'.repeat(1_000) })).toBeNull();
    expect(sendProblem({ ...ready, avatarInvalid: true })).toBe('avatar');
  });
});

describe('the audience in words', () => {
  const picks = [
    { kind: 'department', id: 3, label: 'Sales', withSubdepartments: true },
    { kind: 'group', id: 2, label: 'Migration Team B' },
  ] as const;

  it('names each pick, a department with its sub-departments as such, in every language', () => {
    expect(audienceInWords([...picks], translator('en', en))).toBe('Sales and its sub-departments, Migration Team B');
    expect(audienceInWords([...picks], translator('ru', ru))).toBe('Sales и его подотделы, Migration Team B');
    expect(audienceInWords([...picks], translator('de', de))).toBe('Sales und ihre Unterabteilungen, Migration Team B');
    expect(audienceInWords([{ kind: 'all' }], translator('de', de))).toBe('Alle Mitarbeiter');
  });

  it('lists six at most, then how many more', () => {
    const many = Array.from({ length: 9 }, (_, i) => ({ kind: 'user' as const, id: i + 1, label: `P${i + 1}` }));
    expect(audienceInWords(many, translator('en', en))).toBe('P1, P2, P3, P4, P5 and 4 more');
    expect(audienceInWords(many.slice(0, 6), translator('en', en))).toBe('P1, P2, P3, P4, P5, P6');
  });
});
