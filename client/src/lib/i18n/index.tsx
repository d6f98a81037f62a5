import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { en, type Catalogue, type MessageKey } from './en';
import type { Message } from './message';

export type { Catalogue, MessageKey } from './en';
export type { Message, PluralMessage } from './message';

export type Language = 'en' | 'ru' | 'de';

/**
 * One file per language; each satisfies English's keys (see `Catalogue`), so none falls back. English is
 * in the page; the others are loaded when a portal speaks them (a chunk each: the frame's JavaScript stays
 * under its budget, decision 0012).
 */
const loaders: Readonly<Record<Language, () => Promise<Catalogue>>> = {
  en: () => Promise.resolve(en),
  ru: () => import('./ru').then((module) => module.ru),
  de: () => import('./de').then((module) => module.de),
};
const loaded = new Map<Language, Catalogue>([['en', en]]);

/** The language's catalogue, loaded once; English when it cannot be loaded (the page still works). */
export async function loadCatalogue(language: Language): Promise<Catalogue> {
  const known = loaded.get(language);
  if (known) return known;
  const catalogue = await loaders[language]().catch(() => en);
  loaded.set(language, catalogue);
  return catalogue;
}

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

export function translator(language: Language, catalogue: Partial<Record<string, Message>>): Translate {
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

const I18nContext = createContext<{ language: Language; t: Translate }>({ language: 'en', t: translator('en', en) });

/** Renders its children in `language` once that language's catalogue is in (at once for English or one loaded before). */
export function I18nProvider({ language, children }: { language: Language; children: ReactNode }) {
  const [ready, setReady] = useState<{ language: Language; catalogue: Catalogue } | null>(() => {
    const catalogue = loaded.get(language);
    return catalogue ? { language, catalogue } : null;
  });
  useEffect(() => {
    let live = true;
    void loadCatalogue(language).then((catalogue) => live && setReady({ language, catalogue }));
    return () => {
      live = false;
    };
  }, [language]);
  const current = ready?.language === language ? ready : null;
  const value = useMemo(() => (current ? { language, t: translator(language, current.catalogue) } : null), [current, language]);
  if (!value) return null;
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n() {
  return useContext(I18nContext);
}
