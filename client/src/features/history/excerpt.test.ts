import { describe, expect, it } from 'vitest';
import { EXCERPT_CHARACTERS, excerpt } from './excerpt';

describe('a long message in History', () => {
  it('is cut to its first characters and lines, with "…"; a short one is shown whole', () => {
    expect(excerpt('Short')).toBeNull();
    expect(excerpt('a'.repeat(EXCERPT_CHARACTERS))).toBeNull();
    expect(excerpt(`${'word '.repeat(30)}end`)).toBe(`${'word '.repeat(24).trimEnd()}…`);
    expect(excerpt('one\ntwo\nthree')).toBeNull();
    expect(excerpt('one\ntwo\nthree\nfour')).toBe('one\ntwo\nthree…');
  });

  it('never cuts inside a character as the eye sees it (emoji, accents)', () => {
    const family = '👨‍👩‍👧';
    const cut = excerpt(family.repeat(EXCERPT_CHARACTERS + 5))!;
    expect(cut).toBe(`${family.repeat(EXCERPT_CHARACTERS)}…`);
    expect(excerpt('é'.repeat(EXCERPT_CHARACTERS))).toBeNull();
  });
});
