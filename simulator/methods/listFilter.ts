import { asList, isRecord, phpInt, type Params } from '../phpParams.js';

/**
 * Bitrix24 list filters: `{"FIELD": v}`, `{"!FIELD": v}`, `{"%FIELD": v}`, `{">=ID": 10}`, `{"@ID": [1,2]}`...
 * An array value means "any of". String comparisons ignore case, as MySQL's default collation does.
 */

export type FieldValue = string | number | boolean | null | readonly number[];
export type FieldReader<T> = (row: T) => FieldValue;

const OPERATORS = ['!=%', '!%=', '>=', '<=', '!@', '!%', '=%', '%=', '!=', '><', '>', '<', '@', '%', '!', '='] as const;
type Operator = (typeof OPERATORS)[number] | '';

export interface FilterCondition {
  operator: Operator;
  field: string;
  value: unknown;
}

export function splitFilterKey(key: string): { operator: Operator; field: string } {
  for (const operator of OPERATORS) if (key.startsWith(operator)) return { operator, field: key.slice(operator.length).toUpperCase() };
  return { operator: '', field: key.toUpperCase() };
}

export function conditionsOf(filter: Params): FilterCondition[] {
  return Object.entries(filter).map(([key, value]) => ({ ...splitFilterKey(key), value }));
}

/** Merges filter keys given at the top level with those in FILTER/filter, as user.get and department.get do. */
export function collectFilter(params: Params, reserved: readonly string[]): Params {
  const out: Params = {};
  const reservedUpper = new Set(reserved.map((k) => k.toUpperCase()));
  for (const [key, value] of Object.entries(params)) {
    if (reservedUpper.has(key.toUpperCase())) continue;
    out[key] = value;
  }
  for (const [key, value] of Object.entries(params)) {
    if (key.toUpperCase() === 'FILTER' && isRecord(value)) Object.assign(out, value);
  }
  return out;
}

export function likeToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
  return new RegExp(`^${escaped}$`, 'is');
}

function text(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'Y' : 'N';
  return value === null || value === undefined ? '' : String(value);
}

/** One collator for all comparisons: `localeCompare` with options builds one per call (slow on 50,000 rows). */
const accentCollator = new Intl.Collator(undefined, { sensitivity: 'accent' });

function equalsOne(actual: FieldValue, expected: unknown): boolean {
  if (Array.isArray(actual)) return actual.includes(phpInt(expected));
  if (typeof actual === 'number') return actual === phpInt(expected) && String(expected).trim() !== '';
  const a = text(actual);
  const e = text(expected);
  if (e.includes('%')) return likeToRegExp(e).test(a);
  return a.toLowerCase() === e.toLowerCase() || accentCollator.compare(a, e) === 0;
}

function compare(actual: FieldValue, expected: unknown): number {
  if (typeof actual === 'number') return actual - Number(expected);
  return text(actual).localeCompare(text(expected));
}

export function matches(actual: FieldValue, operator: Operator, value: unknown): boolean {
  const values = asList(value);
  const anyEqual = () => (values.length === 0 ? false : values.some((v) => equalsOne(actual, v)));
  const contains = () => values.some((v) => text(actual).toLowerCase().includes(text(v).toLowerCase()));
  const like = () => values.some((v) => likeToRegExp(text(v)).test(text(actual)));
  switch (operator) {
    case '':
    case '=':
    case '@':
      return anyEqual();
    case '!':
    case '!=':
    case '!@':
      return !anyEqual();
    case '%':
      return contains();
    case '!%':
      return !contains();
    case '=%':
    case '%=':
      return like();
    case '!=%':
    case '!%=':
      return !like();
    case '>':
      return compare(actual, values[0]) > 0;
    case '>=':
      return compare(actual, values[0]) >= 0;
    case '<':
      return compare(actual, values[0]) < 0;
    case '<=':
      return compare(actual, values[0]) <= 0;
    case '><': {
      const [from, to] = values;
      return compare(actual, from) >= 0 && compare(actual, to) <= 0;
    }
  }
}

export const PAGE_SIZE = 50;

export interface Page<T> {
  rows: T[];
  total?: number;
  next?: number;
}

/** 50 rows from `start`; `start=-1` skips the count (no total, no next), as Bitrix24 does. */
export function pageOf<T>(rows: readonly T[], startParam: unknown): Page<T> {
  const raw = phpInt(startParam);
  if (raw === -1) return { rows: rows.slice(0, PAGE_SIZE) };
  const start = Math.max(0, raw);
  const page: Page<T> = { rows: rows.slice(start, start + PAGE_SIZE), total: rows.length };
  if (start + PAGE_SIZE < rows.length) page.next = start + PAGE_SIZE;
  return page;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Sorts by one field; ties keep the incoming order. */
export function sortRows<T>(rows: T[], read: FieldReader<T> | undefined, descending: boolean): T[] {
  if (!read) {
    if (descending) rows.reverse();
    return rows;
  }
  const keyed = rows.map((row, index) => ({ row, index, key: read(row) }));
  keyed.sort((a, b) => {
    let order: number;
    if (typeof a.key === 'number' && typeof b.key === 'number') order = a.key - b.key;
    else order = collator.compare(text(a.key), text(b.key));
    if (order === 0) return a.index - b.index;
    return descending ? -order : order;
  });
  return keyed.map((k) => k.row);
}

export function isDescending(order: unknown): boolean {
  return typeof order === 'string' && order.trim().toUpperCase() === 'DESC';
}
