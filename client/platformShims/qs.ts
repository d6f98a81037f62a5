import { FrameBuildUnsupportedError } from './unsupported.js';

/**
 * `qs-esm` in the frame build (vite.config.ts aliases the package here; decision 0012).
 *
 * @bitrix24/b24jssdk 2.2.0 uses it in one place: core/interaction/batch/processing/v2/abstract-processing.mjs (callBatch
 * and actions.v2.batch) writes each command as `method?${qs.stringify(params)}` with qs's defaults. This is that
 * function with those defaults, as qs-esm 8 writes it: keys nested in brackets (`FILTER[ID][0]=5`), arrays by index,
 * keys and values percent-encoded per RFC 3986 (everything but `A-Za-z0-9-._~`), `null` as an empty value, `undefined`
 * and empty arrays or objects left out, a Date as its ISO string, a cycle refused with a RangeError. Options, and
 * `parse`, throw a FrameBuildUnsupportedError.
 */

const LIBRARY = 'qs-esm';

const hex = (byte: number) => `%${byte < 16 ? '0' : ''}${byte.toString(16).toUpperCase()}`;

/** qs's utils.encode (RFC 3986), UTF-8 by code unit as qs does it, lone surrogates included. */
function encode(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i += 1) {
    let c = text.charCodeAt(i);
    if (c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) {
      out += text.charAt(i);
    } else if (c < 0x80) {
      out += hex(c);
    } else if (c < 0x800) {
      out += hex(0xc0 | (c >> 6)) + hex(0x80 | (c & 0x3f));
    } else if (c < 0xd800 || c >= 0xe000) {
      out += hex(0xe0 | (c >> 12)) + hex(0x80 | ((c >> 6) & 0x3f)) + hex(0x80 | (c & 0x3f));
    } else {
      i += 1;
      c = 0x10000 + (((c & 0x3ff) << 10) | (text.charCodeAt(i) & 0x3ff));
      out += hex(0xf0 | (c >> 18)) + hex(0x80 | ((c >> 12) & 0x3f)) + hex(0x80 | ((c >> 6) & 0x3f)) + hex(0x80 | (c & 0x3f));
    }
  }
  return out;
}

function primitiveText(value: string | number | boolean | symbol | bigint): string {
  return typeof value === 'symbol' ? value.toString() : String(value);
}

function pairs(value: unknown, prefix: string, ancestors: Set<object>, out: string[]): void {
  const serialized = value instanceof Date ? value.toISOString() : value === null ? '' : value;
  if (serialized === undefined) return;
  if (typeof serialized === 'object' || typeof serialized === 'function') {
    if (ancestors.has(serialized)) throw new RangeError('Cyclic object value');
    ancestors.add(serialized);
    // Arrays by index and objects by key, both as `prefix[key]` (qs's default arrayFormat "indices").
    for (const key of Object.keys(serialized)) pairs((serialized as Record<string, unknown>)[key], `${prefix}[${key}]`, ancestors, out);
    ancestors.delete(serialized);
    return;
  }
  out.push(`${encode(prefix)}=${encode(primitiveText(serialized as string | number | boolean | symbol | bigint))}`);
}

export function stringify(object: unknown, options?: unknown): string {
  if (options !== undefined) throw new FrameBuildUnsupportedError(LIBRARY, 'stringify() options');
  if (typeof object !== 'object' || object === null) return '';
  const out: string[] = [];
  const ancestors = new Set<object>([object]);
  for (const key of Object.keys(object)) pairs((object as Record<string, unknown>)[key], key, ancestors, out);
  return out.join('&');
}

export function parse(): never {
  throw new FrameBuildUnsupportedError(LIBRARY, 'parse()');
}
