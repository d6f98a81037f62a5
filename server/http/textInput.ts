/**
 * Text the app stores or passes on to Bitrix24 must come back exactly as it was typed: a NUL or an
 * unpaired surrogate is refused at the edge, with a 400 naming the field. The rule is part of the API
 * contract (contract/text.ts), which the request schemas there use too.
 */
export { isStorableText, isUnstorableTextIssue, storableText } from '../../contract/text.js';
