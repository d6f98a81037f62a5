import { toLanguage, type Language } from '../../lib/i18n';

const TRANSLATED: ReadonlySet<string> = new Set<Language>(['en', 'ru', 'de']);

/**
 * The language of the page opened outside Bitrix24: the handler URL's LANG when there is one (a portal's
 * link), else the first of the browser's languages we translate, else English.
 */
export function pageLanguage(search: string, browserLanguages: readonly string[]): Language {
  const fromUrl = new URLSearchParams(search).get('LANG');
  if (fromUrl) return toLanguage(fromUrl);
  const preferred = browserLanguages.map((code) => code.toLowerCase().slice(0, 2)).find((code) => TRANSLATED.has(code));
  return toLanguage(preferred);
}
