/**
 * PHP's `json_encode` as far as the core's push messages use it (php-src `ext/json/json_encoder.c`),
 * so the simulator can build the payload a phone gets byte for byte (./pushDevices.ts).
 *
 * PHP strings are bytes: a string here is a `Uint8Array` (a JS string is taken as its UTF-8 bytes), so
 * a text cut inside a character can be encoded, and fails as PHP fails: invalid UTF-8 without
 * JSON_INVALID_UTF8_IGNORE/SUBSTITUTE makes `json_encode` return `false` (JSON_ERROR_UTF8).
 * A PHP array is a JS array (a list: `[…]`) or a plain object (`{…}`); an empty one of either is `[]`,
 * as PHP cannot tell an empty map from an empty list.
 */

export const JSON_HEX_TAG = 1;
export const JSON_HEX_AMP = 2;
export const JSON_HEX_APOS = 4;
export const JSON_HEX_QUOT = 8;
export const JSON_UNESCAPED_SLASHES = 64;
export const JSON_UNESCAPED_UNICODE = 256;
export const JSON_UNESCAPED_LINE_TERMINATORS = 2048;

/** A PHP float (`microtime(true)`): printed with a decimal point even when whole, as PHP does (`1.0`). */
export class PhpFloat {
  constructor(readonly value: number) {}
}

export type PhpValue = null | boolean | number | PhpFloat | string | Uint8Array | readonly PhpValue[] | { readonly [key: string]: PhpValue };

const utf8 = new TextDecoder('utf-8', { fatal: true });
const hex4 = (code: number) => code.toString(16).padStart(4, '0');

/** `json_encode($value, $flags)`: the JSON as bytes, or false when a string is not valid UTF-8. */
export function phpJsonEncode(value: PhpValue, flags = 0): Uint8Array | false {
  try {
    return Buffer.from(encode(value, flags), 'utf8');
  } catch (error) {
    if (error instanceof InvalidUtf8) return false;
    throw error;
  }
}

/** PHP's `strlen`: bytes. */
export function phpStrlen(value: string | Uint8Array): number {
  return typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.length;
}

/** PHP's `substr($s, 0, $length)`: the first `length` bytes, whatever characters they split. */
export function phpSubstrBytes(value: Uint8Array, length: number): Uint8Array {
  return value.subarray(0, Math.max(0, length));
}

/** PHP's `mb_substr($s, 0, $length)` on valid UTF-8: the first `length` characters (code points). */
export function phpMbSubstr(value: Uint8Array, length: number): Uint8Array {
  const chars = [...utf8.decode(value)];
  return Buffer.from(chars.slice(0, Math.max(0, length)).join(''), 'utf8');
}

class InvalidUtf8 extends Error {}

function encode(value: PhpValue, flags: number): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : phpFloat(value);
  if (value instanceof PhpFloat) return phpFloat(value.value);
  if (typeof value === 'string') return encodeString(Buffer.from(value, 'utf8'), flags);
  if (value instanceof Uint8Array) return encodeString(value, flags);
  if (Array.isArray(value)) return value.length === 0 ? '[]' : `[${value.map((item: PhpValue) => encode(item, flags)).join(',')}]`;
  const entries = Object.entries(value as { readonly [key: string]: PhpValue });
  if (entries.length === 0) return '[]';
  return `{${entries.map(([key, item]) => `${encodeString(Buffer.from(key, 'utf8'), flags)}:${encode(item, flags)}`).join(',')}}`;
}

/** serialize_precision -1 (PHP's default): the shortest form that reads back, with `.0` when whole. */
function phpFloat(value: number): string {
  if (!Number.isFinite(value)) throw new Error('json_encode: Inf and NaN cannot be encoded');
  const text = String(value);
  if (/^-?\d+$/.test(text)) return `${text}.0`;
  return text.replace(/^(-?\d+)e/, '$1.0e');
}

function encodeString(bytes: Uint8Array, flags: number): string {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new InvalidUtf8();
  }
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code >= 0x80) {
      if (flags & JSON_UNESCAPED_UNICODE) {
        const terminator = (code === 0x2028 || code === 0x2029) && !(flags & JSON_UNESCAPED_LINE_TERMINATORS);
        out += terminator ? `\\u${hex4(code)}` : char;
      } else {
        // Outside the BMP: a surrogate pair, each escaped.
        for (let i = 0; i < char.length; i += 1) out += `\\u${hex4(char.charCodeAt(i))}`;
      }
      continue;
    }
    switch (char) {
      case '"':
        out += flags & JSON_HEX_QUOT ? '\\u0022' : '\\"';
        break;
      case '\\':
        out += '\\\\';
        break;
      case '/':
        out += flags & JSON_UNESCAPED_SLASHES ? '/' : '\\/';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\f':
        out += '\\f';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      case '<':
        out += flags & JSON_HEX_TAG ? '\\u003C' : char;
        break;
      case '>':
        out += flags & JSON_HEX_TAG ? '\\u003E' : char;
        break;
      case '&':
        out += flags & JSON_HEX_AMP ? '\\u0026' : char;
        break;
      case "'":
        out += flags & JSON_HEX_APOS ? '\\u0027' : char;
        break;
      default:
        out += code < 0x20 ? `\\u${hex4(code)}` : char;
    }
  }
  return `${out}"`;
}
