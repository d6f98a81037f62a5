/** Plural forms chosen by `{count}` (Intl.PluralRules categories of the language; `other` always present). */
export type PluralMessage = { readonly other: string } & Readonly<Partial<Record<Intl.LDMLPluralRule, string>>>;

/** A string, or plural forms. Placeholders are `{name}`. */
export type Message = string | PluralMessage;
