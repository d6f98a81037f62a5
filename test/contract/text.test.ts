import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isStorableText, isUnstorableTextIssue, storableText } from '../../contract/text.js';

describe('storable text', () => {
  it('refuses a NUL and an unpaired surrogate anywhere, high or low', () => {
    for (const text of ['\u0000', 'a\u0000b', '\uD800', '\uDBFF', '\uDC00x', 'x\uDFFF', 'Hi \uD83D', '\uDE00\uD83D', '\u{1F600}\uDE00']) {
      expect(isStorableText(text), JSON.stringify(text)).toBe(false);
    }
  });

  it('keeps everything else: pairs, astral characters, other controls, noncharacters, the replacement character', () => {
    for (const text of ['', 'Hello', '\u{1F600}', '\uD83D\uDE00', '\u{1F469}\u200D\u{1F469}\u200D\u{1F467}', '\u{10FFFF}', '\u0001\u001B\u007F', '\uFEFF\u202E', '\uFFFD\uFFFE\uFFFF', '%00', '\\0']) {
      expect(isStorableText(text), JSON.stringify(text)).toBe(true);
    }
  });

  it('names the field in its message, and its issue can be told from the field’s other checks', () => {
    const schema = z.object({ text: storableText(z.string().min(2, 'too short'), 'The text') });
    const refused = schema.safeParse({ text: 'a\u0000b' });
    expect(refused.success).toBe(false);
    const issue = refused.error!.issues[0]!;
    expect(issue.message).toBe('The text must not contain a NUL character or an unpaired surrogate.');
    expect(issue.path).toEqual(['text']);
    expect(isUnstorableTextIssue(issue)).toBe(true);
    expect(isUnstorableTextIssue(schema.safeParse({ text: 'a' }).error!.issues[0]!)).toBe(false);
    expect(storableText(z.string()).safeParse('\uD800').error!.issues[0]!.message).toBe('must not contain a NUL character or an unpaired surrogate');
  });
});
