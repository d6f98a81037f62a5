import { describe, expect, it } from 'vitest';
import { pageLanguage } from './pageLanguage';

describe('the language of the page opened outside Bitrix24', () => {
  it('follows the browser: the first of its languages that is translated', () => {
    expect(pageLanguage('', ['de-DE', 'en'])).toBe('de');
    expect(pageLanguage('', ['fr-FR', 'ru', 'en'])).toBe('ru');
    expect(pageLanguage('', ['RU'])).toBe('ru');
  });

  it('is English when the browser speaks none of them, or says nothing', () => {
    expect(pageLanguage('', ['fr-FR', 'it'])).toBe('en');
    expect(pageLanguage('', [])).toBe('en');
  });

  it('prefers a LANG in the address (a link from a portal) to the browser', () => {
    expect(pageLanguage('?LANG=ru', ['de-DE'])).toBe('ru');
    expect(pageLanguage('?LANG=ua', ['de-DE'])).toBe('en');
  });
});
