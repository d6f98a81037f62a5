import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { iphoneShows, type PushedMessage } from '../../simulator/pushDevices.js';
import { iphoneText, payloadBytes, payloadFit } from './messageSchema.js';

/**
 * The app's iPhone estimate (payloadFit, iphoneText) against the simulator's own model of the core's
 * AppleMessage (simulator/pushDevices.ts, written from applemessage.php without the app's code): what
 * the app says fits, an iPhone shows whole; what the app shortens, an iPhone shows whole.
 */

const characters = fc.oneof(
  fc.constantFrom('a', 'Z', '7', ' ', '.', '"', "'", '&', '<', '>', '/', '\\', '\n', '\t', '\u2028'),
  fc.constantFrom('я', 'Ж', 'ё', 'é', 'ß', '€', '中', '😀', '👍🏽', 'e\u0301'),
);
const textOf = (min: number, max: number) => fc.array(characters, { minLength: min, maxLength: max }).map((parts) => parts.join(''));

const messages = fc.record({
  title: textOf(1, 40),
  text: textOf(1, 1000),
  avatar: fc.oneof(fc.constant(''), textOf(0, 120).map((path) => `https://img.example/${encodeURI(path)}`)),
  clientId: fc.constantFrom('local.teampush.test', 'app.5f3a6b7c8d9e01.23456789', `local.${'x'.repeat(58)}`),
  userId: fc.integer({ min: 1, max: 10_000_000 }),
  memberId: fc.constantFrom('a'.repeat(32), '0123456789abcdef0123456789abcdef'),
  // Whole seconds and odd milliseconds: the core's microtime float is printed shortest-first.
  now: fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2036, 0, 1) }),
});

const estimateOf = (message: PushedMessage, text = message.text) => payloadFit(message.title, text, message.avatar || null);

/** Texts whose estimate lands within a few hundred bytes of the iPhone cap, where an allowance too small would show. */
const nearTheCap = fc.record({ message: messages, more: textOf(600, 1000), slack: fc.integer({ min: -300, max: 60 }) }).map(({ message, more, slack }) => {
  const long = [...(message.text + more)].slice(0, 1000);
  let bytes = estimateOf(message, '').bytes;
  let end = 0;
  while (end < long.length && bytes + payloadBytes(long[end]!) <= 2048 + slack) bytes += payloadBytes(long[end++]!);
  return { ...message, text: long.slice(0, Math.max(end, 1)).join('') };
});

describe("the app's iPhone budget holds against the core's rules", () => {
  it('a push the app says fits is shown whole on an iPhone', () => {
    fc.assert(
      fc.property(fc.oneof(messages, nearTheCap), (message) => {
        if (estimateOf(message).ios.fits) expect(iphoneShows(message)).toBe(message.text);
      }),
      { numRuns: 400 },
    );
  });

  it('a text the app shortens for iPhones is shown whole there, and fits by the app’s own estimate', () => {
    fc.assert(
      fc.property(messages, (message) => {
        const shortened = iphoneText(message.title, message.text, message.avatar || null);
        if (shortened === null) return;
        expect(estimateOf(message, shortened).ios.fits).toBe(true);
        expect(iphoneShows({ ...message, text: shortened })).toBe(shortened);
      }),
      { numRuns: 400 },
    );
  });

  it('the case the app now refuses: a long Cyrillic announcement sent unchanged reaches no iPhone when the cut splits a letter', () => {
    const announcement = 'Уважаемые коллеги! '.repeat(80).trim();
    const base: PushedMessage = { title: 'Team Push', text: announcement, avatar: '', clientId: 'local.teampush.test', userId: 5, memberId: 'a'.repeat(32), now: Date.UTC(2026, 10, 24, 9) };
    expect(estimateOf(base).ios.fits).toBe(false);
    const outcomes = ['Team Push', 'Team Push!'].map((title) => iphoneShows({ ...base, title }));
    expect(outcomes).toContain(null);
    for (const title of ['Team Push', 'Team Push!']) {
      const shortened = iphoneText(title, announcement)!;
      expect(iphoneShows({ ...base, title, text: shortened })).toBe(shortened);
    }
  });
});
