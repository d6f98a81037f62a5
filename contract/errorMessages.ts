import type { ErrorAnswer } from './errors.js';
import * as de from './texts/de.js';
import * as en from './texts/en.js';
import type { ErrorCode } from './texts/en.js';
import * as ru from './texts/ru.js';

/**
 * The texts of every language (./texts/: one file per language), and how the server words an error
 * with them. Server only: it holds all three languages, while the frame loads just the language it
 * shows (client/src/lib/i18n imports ./texts/<language>.ts, never this file).
 */

export type { Cause, ErrorCode, FieldName, RefusalReason } from './texts/en.js';

/** The languages the app speaks; English for any other. */
export const LANGUAGES = ['en', 'ru', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];

export const TEXTS = { en, ru, de } as const;

const has = <T extends object>(table: T, key: string): key is Extract<keyof T, string> => Object.hasOwn(table, key);

/**
 * A request field as the admin knows it ("Send time", not `sendAt`), by the first part of its path;
 * the path itself for a field the texts do not name; "Request" when there is no field.
 */
export function fieldName(language: Language, path?: string): string {
  if (!path) return TEXTS[language].fields.request;
  const top = path.split('.')[0]!;
  return has(en.fields, top) ? TEXTS[language].fields[top] : path;
}

/** Fills `{field}` and `{path}`; any other placeholder is left as it is. */
function fillText(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (match, name: string) => values[name] ?? match);
}

/**
 * The text of a refusal in `language`: what `cause` (a Bitrix24 code or a send failure of the error
 * tables) says when the texts have words for it, else the code's own text; `field` fills `{field}`
 * and `{path}`.
 */
export function errorMessage(language: Language, code: ErrorCode, options: { field?: string; cause?: string } = {}): string {
  const texts = TEXTS[language];
  // tsc holds every language to English's keys; should a text still be missing at run time, English rather than a 500.
  const template = (options.cause !== undefined && has(texts.causes, options.cause) ? texts.causes[options.cause] : texts.errors[code]) ?? en.errors[code];
  return fillText(template, { field: fieldName(language, options.field), path: options.field ?? '' });
}

/** `errorMessage` in every language. */
export function errorMessages(code: ErrorCode, options: { field?: string; cause?: string } = {}): Record<Language, string> {
  return { en: errorMessage('en', code, options), ru: errorMessage('ru', code, options), de: errorMessage('de', code, options) };
}

/** A refusal as a route states it: the code, and what the texts need or the answer carries besides. */
export interface Refusal {
  error: ErrorCode;
  /** The request field at fault (a dotted path). */
  field?: string;
  /** The error table's key behind the code (a Bitrix24 code, a send failure), for its own words. */
  cause?: string;
  /** For developers, English: the rule the request broke. */
  detail?: string;
  ids?: number[];
}

/** The ErrorAnswer of `refusal` in `language`. */
export function errorAnswer(language: Language, { error, field, cause, detail, ids }: Refusal): ErrorAnswer {
  return {
    error,
    message: errorMessage(language, error, { field, cause }),
    ...(field === undefined ? {} : { field }),
    ...(detail === undefined ? {} : { detail }),
    ...(ids === undefined ? {} : { ids }),
  };
}
