import { isRecord } from './phpParams.js';

/**
 * What `batch` does to each command's parameters before running it, as the core does
 * (`avshatalov48/bitrix-core-business`, modules/rest/classes/general/rest_util.php:
 * `CRestUtil::ParseBatchQuery` → `processBatchStructure` → `processBatchElement`; the answers so far are
 * `CRestProvider::methodsBatch`'s `$arResult`, modules/rest/classes/general/rest_provider.php):
 * - `$arResult` has the keys `result`, `next`, `total`, `time`, `error` (in that order), each keyed by
 *   command; a failed command also adds `error_description` (its whole error sits under `error`);
 * - every string value (after parse_str) is searched with `/\$(result|next|total|time|error…)([^\s]*)/i`:
 *   the name case-insensitively, then everything up to the next whitespace (PCRE's `\s` without the `u`
 *   flag: space, tab, LF, VT, FF, CR only — a no-break space does not end the run);
 * - a match counts only if that run holds a `[key]` (non-empty); the value is looked up with the name as
 *   written (PHP keys are case-sensitive: `$TOTAL[…]` finds nothing) and walked key by key while `isset`,
 *   stopping at the first missing key (leaving the level reached);
 * - a value that is exactly the match becomes what was found, whatever it is (an array, true, null);
 *   otherwise a number is cast to a string (newer cores; older ones skip it) and a string replaces every
 *   occurrence of the matched run; anything else leaves the value unchanged.
 * Nothing escapes a reference; keys are looked at too in the core, but a key parse_str produced never
 * holds a closed `[…]`, so no key is ever changed and this leaves keys alone.
 */

/** The answers of the commands run so far, as `$arResult` holds them. */
export type BatchAnswers = Map<string, Record<string, unknown>>;

export function newBatchAnswers(): BatchAnswers {
  return new Map(['result', 'next', 'total', 'time', 'error'].map((name) => [name, {}]));
}

/** Files one command's answer (`$res`) under its key, as methodsBatch does: every field of it; an error's whole answer under `error`. */
export function fileAnswer(answers: BatchAnswers, key: string, answer: Record<string, unknown>): void {
  const filed = 'error' in answer && answer.error ? { ...answer, error: { ...answer } } : answer;
  for (const [field, value] of Object.entries(filed)) {
    const bucket = answers.get(field) ?? {};
    bucket[key] = value;
    answers.set(field, bucket);
  }
}

/** PHP's isset($r[$key]) and $r[$key]. */
function phpIndex(container: unknown, key: string): { found: boolean; value?: unknown } {
  if (Array.isArray(container) || isRecord(container)) {
    const value = (container as Record<string, unknown>)[key];
    return value === undefined || value === null || !Object.prototype.hasOwnProperty.call(container, key) ? { found: false } : { found: true, value };
  }
  if (typeof container === 'string' && /^-?\d+$/.test(key)) {
    // A string offset is one byte.
    const bytes = Buffer.from(container, 'utf8');
    const offset = Number(key) < 0 ? bytes.length + Number(key) : Number(key);
    return offset >= 0 && offset < bytes.length ? { found: true, value: bytes.subarray(offset, offset + 1).toString('latin1') } : { found: false };
  }
  return { found: false };
}

/**
 * PHP's `(string)` of a number: an integer as it is (JSON cannot tell 2 from 2.0: safe integers are taken
 * for ints); a float with the `precision` setting, 14 significant digits, in exponent form (`1.0E-5`,
 * `1.2345678901235E+14`) below 1e-4 or from 1e14 on (zend_gcvt).
 */
export function phpNumberString(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NAN' : value > 0 ? 'INF' : '-INF';
  if (Number.isSafeInteger(value)) return String(value);
  const exponent = Number(value.toExponential(13).split('e')[1]);
  if (exponent < -4 || exponent >= 14) {
    const mantissa = value.toExponential(13).split('e')[0]!.replace(/0+$/, '').replace(/\.$/, '.0');
    return `${mantissa}E${exponent < 0 ? '-' : '+'}${Math.abs(exponent)}`;
  }
  return String(Number(value.toPrecision(14)));
}

/** PCRE's `[^\s]` (no `u` flag): anything but ASCII space, \t, \n, \v, \f, \r. */
const PCRE_NON_SPACE = '[^ \\t\\n\\v\\f\\r]';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** processBatchElement for one value. */
function substituteValue(value: string, answers: BatchAnswers, pattern: RegExp): unknown {
  let query: unknown = value;
  for (const match of value.matchAll(pattern)) {
    const [whole, name, path] = match as unknown as [string, string, string];
    const keys = [...path.matchAll(/\[([^\]]+)\]/g)].map((segment) => segment[1]!);
    if (keys.length === 0) continue;
    let found: unknown = answers.get(name) ?? null;
    for (const key of keys) {
      const step = phpIndex(found, key);
      if (!step.found) break;
      found = step.value;
    }
    if (whole === query) {
      query = found;
      continue;
    }
    if (typeof found === 'number') found = phpNumberString(found);
    if (typeof found !== 'string' || typeof query !== 'string') continue;
    query = query.split(whole).join(found);
  }
  return query;
}

/** processBatchStructure: every value of a command's parameters, at any depth. */
export function substituteBatchReferences(params: Record<string, unknown>, answers: BatchAnswers): Record<string, unknown> {
  const pattern = new RegExp(`\\$(${[...answers.keys()].map(escapeRegExp).join('|')})(${PCRE_NON_SPACE}*)`, 'gi');
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return substituteValue(value, answers, pattern);
    if (Array.isArray(value)) return value.map(walk);
    if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, walk(inner)]));
    return value;
  };
  return walk(params) as Record<string, unknown>;
}
