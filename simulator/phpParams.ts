/**
 * Bitrix24 is PHP: a form body or query string like `USER_ID[]=1&FILTER[ACTIVE]=true` reaches a method
 * as nested arrays of strings, and the methods then apply PHP's casts and emptiness. These helpers
 * reproduce that, so the simulator reads requests the way the portal does.
 */

export type PhpValue = string | PhpValue[] | { [key: string]: PhpValue };
export type Params = Record<string, unknown>;

/**
 * PHP's default `max_input_vars`: parse_str and the request superglobals keep that many variables and
 * drop the rest with a warning (php-src main/php_variables.c, php_default_treat_data). Bitrix24 parses
 * each `batch` command's query with parse_str (rest module, CRestUtil::ParseBatchQuery); the portal's
 * own setting is not published, so the simulator keeps PHP's default (decision 0010, fact 24).
 */
export const PHP_MAX_INPUT_VARS = 1_000;

/** Parses `a=1&b[]=2&c[d][e]=3` like PHP's parse_str (into objects; sequential 0..n-1 keys become arrays). */
export function parsePhpQuery(query: string, maxInputVars = PHP_MAX_INPUT_VARS): Params {
  const root: Record<string, unknown> = {};
  if (!query) return root;
  let count = 0;
  for (const part of query.split('&')) {
    if (!part) continue;
    if (++count > maxInputVars) break;
    const eq = part.indexOf('=');
    const rawKey = decode(eq === -1 ? part : part.slice(0, eq));
    const value = eq === -1 ? '' : decode(part.slice(eq + 1));
    if (!rawKey) continue;
    assign(root, rawKey, value);
  }
  return listify(root) as Params;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

function assign(root: Record<string, unknown>, rawKey: string, value: string): void {
  const open = rawKey.indexOf('[');
  let base = open > 0 ? rawKey.slice(0, open) : rawKey;
  const path: string[] = [];
  if (open > 0) {
    let rest = rawKey.slice(open);
    while (rest.startsWith('[')) {
      const close = rest.indexOf(']');
      if (close === -1) break;
      path.push(rest.slice(1, close));
      rest = rest.slice(close + 1);
    }
    // PHP keeps an unmatched bracket literally and stops nesting.
    if (path.length === 0) base = rawKey;
  }
  // PHP turns '.', ' ' and an opening '[' left unmatched in the top-level name into '_'.
  base = base.replace(/[. []/g, '_');

  let container: Record<string, unknown> = root;
  let key = base;
  for (const segment of path) {
    let next = container[key];
    if (typeof next !== 'object' || next === null) {
      next = {};
      container[key] = next;
    }
    container = next as Record<string, unknown>;
    key = segment === '' ? String(nextIndex(container)) : segment;
  }
  container[key] = value;
}

function nextIndex(container: Record<string, unknown>): number {
  let max = -1;
  for (const key of Object.keys(container)) {
    if (/^(0|[1-9]\d*)$/.test(key)) max = Math.max(max, Number(key));
  }
  return max + 1;
}

/** Objects with keys exactly 0..n-1 in order become arrays (what json_encode would do with them). */
function listify(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) out[k] = listify(v);
  if (entries.length > 0 && entries.every(([k], index) => k === String(index))) return entries.map(([k]) => out[k]);
  return out;
}

/** PHP's empty(): '', '0', 0, false, null, undefined, [] and {} are empty. */
export function phpEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '' || value === '0') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

/** PHP's (int) cast. */
export function phpInt(value: unknown): number {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : 0;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    const match = /^\s*([+-]?\d+)/.exec(value);
    return match ? Number.parseInt(match[1] as string, 10) : 0;
  }
  if (Array.isArray(value)) return value.length > 0 ? 1 : 0;
  if (value && typeof value === 'object') return Object.keys(value).length > 0 ? 1 : 0;
  return 0;
}

/** PHP truthiness for flags such as `halt` ('0' and '' are false, 'false' is true). */
export function phpTruthy(value: unknown): boolean {
  return !phpEmpty(value);
}

/** A value that PHP code would treat as a list: arrays as they are, objects by their values, scalars wrapped. */
export function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  if (typeof value === 'object') return Object.values(value);
  return [value];
}

/** Reads a key case-insensitively (Bitrix24 accepts `filter` and `FILTER`, `order` and `ORDER`). */
export function getCi(params: Params, key: string): unknown {
  if (key in params) return params[key];
  const lower = key.toLowerCase();
  for (const [k, v] of Object.entries(params)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
