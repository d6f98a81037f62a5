import { createContext, useContext, type ReactNode } from 'react';
import { de } from './de';
import { en, type Catalogue, type MessageKey } from './en';
import type { Message } from './message';
import { ru } from './ru';

export type { Catalogue, MessageKey } from './en';
export type { Message, PluralMessage } from './message';

export type Language = 'en' | 'ru' | 'de';

/** One file per language; each satisfies English's keys (see `Catalogue`), so none falls back. */
export const catalogues: Readonly<Record<Language, Catalogue>> = { en, ru, de };

/** Bitrix24's language codes (LANG, getLang()) mapped to the ones we translate; English otherwise. */
export function toLanguage(code: string | null | undefined): Language {
  const lower = (code ?? '').toLowerCase().slice(0, 2);
  return lower === 'ru' || lower === 'de' ? lower : 'en';
}

/** Before the frame answers, the handler URL's LANG query parameter is the best hint. */
export function languageFromUrl(search: string = window.location.search): Language {
  return toLanguage(new URLSearchParams(search).get('LANG'));
}

/** Keys may be built at run time (`history.status.${status}`); an unknown key shows itself. */
export type Translate = (key: MessageKey | `${string}.${string}`, values?: Record<string, string | number>) => string;

export function translator(language: Language): Translate {
  const catalogue: Partial<Record<string, Message>> = catalogues[language];
  const plurals = new Intl.PluralRules(language);
  return (key, values) => {
    const message = catalogue[key];
    if (message === undefined) return key;
    const count = values?.count;
    const text = typeof message === 'string' ? message : (message[plurals.select(typeof count === 'number' ? count : Number(count ?? 0))] ?? message.other);
    const formatted = (name: string) => {
      const value = values?.[name];
      return typeof value === 'number' ? value.toLocaleString(language) : String(value);
    };
    return text.replace(/\{(\w+)\}/g, (match, name: string) => (values && name in values ? formatted(name) : match));
  };
}

const I18nContext = createContext<{ language: Language; t: Translate }>({ language: 'en', t: translator('en') });

export function I18nProvider({ language, children }: { language: Language; children: ReactNode }) {
  return <I18nContext.Provider value={{ language, t: translator(language) }}>{children}</I18nContext.Provider>;
}

export function useI18n() {
  return useContext(I18nContext);
}
