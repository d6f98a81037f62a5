import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { en, type Catalogue, type MessageKey } from './en';
import type { Message } from './message';

export type { Catalogue, MessageKey } from './en';
export type { Message, PluralMessage } from './message';

export type Language = 'en' | 'ru' | 'de';

/** A language's catalogue as the translator reads it: the UI's keys, and `error.<CODE>` and `field.<name>`. */
export type Texts = Readonly<Record<string, Message>>;

/** The texts the frame shares with the server (contract/texts/<language>.ts): the errors by code, the request fields by name. */
interface SharedTexts {
  errors: Readonly<Record<string, string>>;
  fields: Readonly<Record<string, string>>;
}

function withShared(catalogue: Catalogue, shared: SharedTexts): Texts {
  const prefixed = (prefix: string, texts: Readonly<Record<string, string>>) => Object.entries(texts).map(([key, text]) => [`${prefix}.${key}`, text] as const);
  return { ...catalogue, ...Object.fromEntries([...prefixed('error', shared.errors), ...prefixed('field', shared.fields)]) };
}

/**
 * One file per language; each satisfies English's keys (see `Catalogue`), so none falls back, and adds
 * the errors' and the request fields' texts from the file the server answers from (contract/texts/, one
 * per language). English's UI strings are in the page, so the frame renders at once; everything else is
 * loaded when needed, a chunk or two per language (the frame's JavaScript stays under its budget,
 * decision 0012): English's error texts follow at once, before anyone can have met an error.
 */
const loaders: Readonly<Record<Language, () => Promise<Texts>>> = {
  // Each import names what it takes, so the chunk holds only that (not the server's texts of the same file).
  en: () => import('../../../../contract/texts/en.js').then(({ errors, fields }) => withShared(en, { errors, fields })),
  ru: () =>
    Promise.all([import('./ru').then(({ ru }) => ru), import('../../../../contract/texts/ru.js').then(({ errors, fields }) => ({ errors, fields }))]).then(([ui, shared]) =>
      withShared(ui, shared),
    ),
  de: () =>
    Promise.all([import('./de').then(({ de }) => de), import('../../../../contract/texts/de.js').then(({ errors, fields }) => ({ errors, fields }))]).then(([ui, shared]) =>
      withShared(ui, shared),
    ),
};
const loaded = new Map<Language, Texts>();
/** What a language shows while its catalogue loads: English's UI strings, which are in the page. */
const inPage: Partial<Record<Language, Texts>> = { en };

/** The language's catalogue, loaded once; English's UI strings when it cannot be loaded (the page still works). */
export async function loadCatalogue(language: Language): Promise<Texts> {
  const known = loaded.get(language);
  if (known) return known;
  const catalogue = await loaders[language]().catch(() => loaded.get('en') ?? en);
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

/**
 * Renders its children in `language` once that language's catalogue is in: at once for English (its UI
 * strings are in the page; the error texts follow) or a language loaded before.
 */
export function I18nProvider({ language, children }: { language: Language; children: ReactNode }) {
  const [ready, setReady] = useState<{ language: Language; catalogue: Texts } | null>(null);
  useEffect(() => {
    let live = true;
    void loadCatalogue(language).then((catalogue) => live && setReady({ language, catalogue }));
    return () => {
      live = false;
    };
  }, [language]);
  const catalogue = ready?.language === language ? ready.catalogue : (loaded.get(language) ?? inPage[language] ?? null);
  const value = useMemo(() => (catalogue ? { language, t: translator(language, catalogue) } : null), [catalogue, language]);
  if (!value) return null;
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n() {
  return useContext(I18nContext);
}

/**
 * The request field a refusal names (`ErrorAnswer.field`, a dotted path), as the admin knows it
 * ("Send time", not `sendAt`): by its first part; the path itself for a field the texts do not name;
 * "Request" when there is none.
 */
export function fieldLabel(t: Translate, path?: string): string {
  const key = `field.${path ? path.split('.')[0]! : 'request'}` as const;
  const name = t(key);
  return name === key ? (path ?? '') : name;
}

/**
 * The frame's text for a refusal's code, in the UI's language, naming the field: the same text the
 * server answers with (both read contract/texts/<language>.ts). Null for a code the catalogue does
 * not have (a newer server, or before the texts are in): the server's `message` then, which is in the
 * UI's language too. (Here rather than in a module of its own: one more module shared by the page and
 * the history's chunk made the bundler split a chunk off, past the frame's budget.)
 */
export function errorText(t: Translate, code: string, field?: string): string | null {
  const key = `error.${code}` as const;
  const text = t(key, { field: fieldLabel(t, field), path: field ?? '' });
  return text === key ? null : text;
}
