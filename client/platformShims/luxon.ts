import { FrameBuildUnsupportedError } from './unsupported.js';

/**
 * `luxon` in the frame build (vite.config.ts aliases the package here; decision 0012), over `Date`.
 *
 * @bitrix24/b24jssdk 2.2.0 imports only `DateTime`, in two modules the frame bundle holds:
 * - logger/formatter/abstract-formatter.mjs (LineFormatter, behind LoggerFactory.createForBrowser*):
 *   `DateTime.fromJSDate(date).toSeconds()` and `.toFormat('yyyy-MM-dd HH:mm:ss')` (its `YYYY`/`DD` patterns rewritten
 *   to luxon's tokens);
 * - tools/text.mjs (`Text`): `getDateForLog()` → `DateTime.now().toFormat('yyyy-MM-dd HH:mm:ss')`, and
 *   `toB24Format(date)` → `DateTime.fromJSDate(date).toFormat("yyyy-MM-dd'T'HH:mm:ssZZ")`.
 * Neither runs on the app's paths today (the frame keeps the SDK's null logger); they are here so that they still
 * answer as luxon does if a path reaches them: the system zone, the `en` digits luxon's `toFormat` defaults to,
 * `Invalid DateTime` / `NaN` for an invalid date. `Text.toDateTime` (`DateTime.fromISO` / `fromFormat`), other
 * format tokens and any other luxon API throw a FrameBuildUnsupportedError.
 */

const LIBRARY = 'luxon';
const INVALID = 'Invalid DateTime';

function unsupported(what: string): never {
  throw new FrameBuildUnsupportedError(LIBRARY, what);
}

function pad(value: number, width: number): string {
  return value < 0 ? `-${String(-value).padStart(width, '0')}` : String(value).padStart(width, '0');
}

/** luxon's `ZZ`: the offset from UTC as +HH:MM. */
function shortOffset(offsetMinutes: number): string {
  const hours = Math.trunc(Math.abs(offsetMinutes / 60));
  const minutes = Math.trunc(Math.abs(offsetMinutes % 60));
  return `${offsetMinutes >= 0 ? '+' : '-'}${pad(hours, 2)}:${pad(minutes, 2)}`;
}

const TOKENS: Record<string, (date: Date) => string> = {
  yyyy: (date) => pad(date.getFullYear(), 4),
  yy: (date) => pad(Number(String(date.getFullYear()).slice(-2)), 2),
  MM: (date) => pad(date.getMonth() + 1, 2),
  M: (date) => String(date.getMonth() + 1),
  dd: (date) => pad(date.getDate(), 2),
  d: (date) => String(date.getDate()),
  HH: (date) => pad(date.getHours(), 2),
  H: (date) => String(date.getHours()),
  mm: (date) => pad(date.getMinutes(), 2),
  m: (date) => String(date.getMinutes()),
  ss: (date) => pad(date.getSeconds(), 2),
  s: (date) => String(date.getSeconds()),
  SSS: (date) => pad(date.getMilliseconds(), 3),
  ZZ: (date) => shortOffset(-date.getTimezoneOffset()),
};

interface FormatPart {
  literal: boolean;
  value: string;
}

/** luxon's Formatter.parseFormat: runs of one character are tokens, '…' is literal text, '' a quote. */
function parseFormat(format: string): FormatPart[] {
  const parts: FormatPart[] = [];
  let current: string | null = null;
  let run = '';
  let quoted = false;
  for (const char of format) {
    if (char === "'") {
      if (run.length > 0 || quoted) parts.push({ literal: quoted || /^\s+$/.test(run), value: run === '' ? "'" : run });
      current = null;
      run = '';
      quoted = !quoted;
    } else if (quoted || char === current) {
      run += char;
    } else {
      if (run.length > 0) parts.push({ literal: /^\s+$/.test(run), value: run });
      run = char;
      current = char;
    }
  }
  if (run.length > 0) parts.push({ literal: quoted || /^\s+$/.test(run), value: run });
  return parts;
}

function formatToken(token: string, date: Date): string {
  const format = TOKENS[token];
  if (format) return format(date);
  // luxon passes anything that is not a token through as it is; every letter run is (or may become) a token.
  if (/[A-Za-z]/.test(token)) unsupported(`the format token "${token}"`);
  return token;
}

export class DateTime {
  readonly #date: Date | null;

  private constructor(date: Date | null) {
    this.#date = date;
  }

  static fromJSDate(date: Date, options?: object): DateTime {
    if (options !== undefined && Object.keys(options).length > 0) unsupported('DateTime.fromJSDate() options');
    const time = date instanceof Date ? date.valueOf() : Number.NaN;
    return new DateTime(Number.isNaN(time) ? null : new Date(time));
  }

  static now(): DateTime {
    return new DateTime(new Date());
  }

  static fromISO(): never {
    return unsupported('DateTime.fromISO()');
  }

  static fromFormat(): never {
    return unsupported('DateTime.fromFormat()');
  }

  static fromMillis(): never {
    return unsupported('DateTime.fromMillis()');
  }

  get isValid(): boolean {
    return this.#date !== null;
  }

  toSeconds(): number {
    return this.#date ? this.#date.valueOf() / 1000 : Number.NaN;
  }

  toFormat(format: string): string {
    const date = this.#date;
    if (!date) return INVALID;
    return parseFormat(format)
      .map((part) => (part.literal ? part.value : formatToken(part.value, date)))
      .join('');
  }
}
