import fc from 'fast-check';
import * as realQs from 'qs-esm';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from '../../client/platformShims/qs.js';
import { FrameBuildUnsupportedError } from '../../client/platformShims/unsupported.js';

/**
 * The frame build's qs-esm (client/platformShims/qs.ts) side by side with qs-esm 8: `stringify(params)` with qs's
 * defaults is how the SDK writes each command of a v2 batch (`method?…`), so any parameters must come out the same.
 */

const key = fc.oneof(fc.constantFrom('ID', 'FILTER', 'start', 'order', '>DATE', '%ACTIVE', 'a b', 'é', '0', '12'), fc.string({ maxLength: 6 }));
const leaf = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 8 }), // lone surrogates included
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.date(),
  fc.bigInt(),
);
const params = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(key, tie('value'), { maxKeys: 4 }),
})).object;

describe('the frame build qs-esm', () => {
  it('stringifies any parameters as qs-esm does with its defaults', () => {
    fc.assert(
      fc.property(params, (value) => {
        expect(stringify(value)).toBe(realQs.stringify(value));
      }),
      { numRuns: 2_000 },
    );
  });

  it('writes a batch command’s parameters the PHP way', () => {
    const query = { FILTER: { ID: [3, 5], '>DATE_REGISTER': new Date(Date.UTC(2026, 0, 2)), NAME: 'Анна & Co' }, select: ['ID', 'NAME'], start: 0, skip: undefined, empty: null };
    expect(stringify(query)).toBe(realQs.stringify(query));
    expect(stringify(query)).toBe(
      'FILTER%5BID%5D%5B0%5D=3&FILTER%5BID%5D%5B1%5D=5&FILTER%5B%3EDATE_REGISTER%5D=2026-01-02T00%3A00%3A00.000Z&FILTER%5BNAME%5D=%D0%90%D0%BD%D0%BD%D0%B0%20%26%20Co&select%5B0%5D=ID&select%5B1%5D=NAME&start=0&empty=',
    );
  });

  it('gives nothing for what is not an object, and for empty arrays and objects', () => {
    for (const value of [undefined, null, 'a=1', 7, true, new Date(0), { a: [] }, { a: {} }, []]) {
      expect(stringify(value)).toBe(realQs.stringify(value as never));
    }
  });

  it('refuses a cycle with a RangeError, as qs-esm does', () => {
    const looped: Record<string, unknown> = { a: { b: 1 } };
    (looped.a as Record<string, unknown>).back = looped;
    expect(() => realQs.stringify(looped)).toThrow(RangeError);
    expect(() => stringify(looped)).toThrow(RangeError);
    const shared = { x: 1 };
    expect(stringify({ a: shared, b: shared })).toBe(realQs.stringify({ a: shared, b: shared }));
  });

  it('throws "not supported in the frame build" for options and parse', () => {
    expect(() => stringify({ a: 1 }, { encode: false })).toThrow(FrameBuildUnsupportedError);
    expect(() => parse()).toThrow(/qs-esm: parse\(\) is not supported in the frame build/);
  });
});
