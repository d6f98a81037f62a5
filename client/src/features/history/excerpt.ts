/** How much of a message a history row shows before "Show the whole message". */
export const EXCERPT_CHARACTERS = 120;
export const EXCERPT_LINES = 3;

function graphemes(text: string): string[] {
  if (typeof Intl.Segmenter === 'function') return [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)].map((part) => part.segment);
  return [...text];
}

/**
 * The start of a long message (at most EXCERPT_CHARACTERS characters and EXCERPT_LINES lines, cut between
 * characters as the eye sees them, with "…"), or null when the whole message is that short.
 */
export function excerpt(text: string): string | null {
  const lines = text.split('\n');
  const head = lines.slice(0, EXCERPT_LINES).join('\n');
  const characters = graphemes(head);
  if (lines.length <= EXCERPT_LINES && characters.length <= EXCERPT_CHARACTERS) return null;
  return `${characters.slice(0, EXCERPT_CHARACTERS).join('').trimEnd()}…`;
}
