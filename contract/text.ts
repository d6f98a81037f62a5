import type { z } from 'zod';

/**
 * Text the app stores or passes on to Bitrix24 must come back exactly as it was typed. Two kinds of
 * JavaScript string cannot: one holding U+0000 (PostgreSQL's text type refuses it, so the insert
 * fails) and one holding half of a surrogate pair on its own (it has no UTF-8 form: PostgreSQL keeps
 * U+FFFD, SQLite invalid UTF-8, the phone whatever the encoder made of it). Both are refused at the
 * edge, with a 400 naming the field, before anything is stored or sent.
 */

/** With the u flag a well-formed pair is one code point, so \p{Cs} matches only an unpaired half. */
const UNSTORABLE_CHARACTER = /[\0\p{Cs}]/u;

/** Marks the issue, so an answer can tell this refusal from the field's other checks. */
const ISSUE_PARAMS = { unstorableText: true } as const;

export function isStorableText(value: string): boolean {
  return !UNSTORABLE_CHARACTER.test(value);
}

/**
 * `schema`, refusing a value with a NUL or an unpaired surrogate. `subject` names the field in the
 * message ("The text must not…"); without it the message is a bare predicate ("must not…") for
 * answers that put the field's name in front themselves.
 */
export function storableText<T extends z.ZodType<string>>(schema: T, subject?: string): T {
  const predicate = 'must not contain a NUL character or an unpaired surrogate';
  return schema.refine(isStorableText, { message: subject ? `${subject} ${predicate}.` : predicate, params: ISSUE_PARAMS });
}

/** Whether a validation issue is storableText's refusal. */
export function isUnstorableTextIssue(issue: z.core.$ZodIssue): boolean {
  return issue.code === 'custom' && issue.params?.unstorableText === true;
}
