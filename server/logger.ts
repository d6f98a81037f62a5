import { createRequire } from 'node:module';
import { pino, type Logger, type DestinationStream } from 'pino';
import type { PrettyOptions } from 'pino-pretty';

/**
 * Field names that carry secrets anywhere in a log object. Bitrix24 spells them in several ways
 * (install POST fields, OAuth answers, event payloads), so each spelling is listed.
 */
export const REDACTED_KEYS = [
  'access_token',
  'refresh_token',
  'application_token',
  'accessToken',
  'refreshToken',
  'applicationToken',
  'AUTH_ID',
  'REFRESH_ID',
  'APPLICATION_TOKEN',
  'auth',
  'client_secret',
  'clientSecret',
  'authorization',
  'Authorization',
  'password',
  'tokenEncryptionKey',
] as const;

const redactPaths = REDACTED_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`]);

/** `json`: one JSON object a line, for machines. `pretty`: pino-pretty's one line per entry, for a person at a terminal. */
export type LogFormat = 'json' | 'pretty';

export interface LogSurroundings {
  /** Whether stdout is a terminal (`process.stdout.isTTY`). */
  isTTY: boolean;
  /** `NODE_ENV` as set (undefined when it is not). */
  nodeEnv: string | undefined;
  /** Whether pino-pretty can be loaded: a dev dependency, absent from a production install (`npm ci --omit=dev`). */
  prettyInstalled: boolean;
}

/**
 * Pretty only for a person at a terminal outside production: JSON when stdout is a pipe, a file or a log
 * collector, whenever NODE_ENV is `production`, and wherever pino-pretty is not installed.
 */
export function chooseLogFormat(surroundings: LogSurroundings): LogFormat {
  return surroundings.isTTY && surroundings.nodeEnv !== 'production' && surroundings.prettyInstalled ? 'pretty' : 'json';
}

const requireHere = createRequire(import.meta.url);

function prettyInstalled(): boolean {
  try {
    requireHere.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

function currentSurroundings(): LogSurroundings {
  const isTTY = process.stdout.isTTY === true;
  const nodeEnv = process.env.NODE_ENV;
  // Looked up only when it can matter.
  return { isTTY, nodeEnv, prettyInstalled: isTTY && nodeEnv !== 'production' && prettyInstalled() };
}

/**
 * pino-pretty's formatter (prettyFactory) in front of a synchronous destination: every entry is written
 * before the call that logged it returns, so a script's own console output (the demo's URLs) comes after
 * the log lines logged before it. Loaded only here, so a production install never needs the package.
 */
function prettyStream(destination: DestinationStream | undefined): DestinationStream {
  const { prettyFactory } = requireHere('pino-pretty') as { prettyFactory(options: PrettyOptions): (line: string) => string };
  const prettify = prettyFactory({
    colorize: destination === undefined,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
  });
  const out = destination ?? pino.destination({ dest: 1, sync: true });
  return { write: (line: string) => void out.write(prettify(line)) };
}

export interface LoggerOptions {
  level: string;
  /** Where the entries go (tests); stdout by default. */
  destination?: DestinationStream;
  /** Default: JSON into a `destination`; on stdout, what `chooseLogFormat` picks for this process. */
  format?: LogFormat;
  /**
   * JSON on stdout is written asynchronously (pino's default, for throughput); `sync` writes each entry
   * before the call returns, for a script whose own console output must follow its log lines (the demo).
   */
  sync?: boolean;
}

/** The process's logger. */
export function createLogger(options: LoggerOptions): Logger {
  const format = options.format ?? (options.destination ? 'json' : chooseLogFormat(currentSurroundings()));
  const json = options.destination ?? (options.sync ? pino.destination({ dest: 1, sync: true }) : undefined);
  return pino(
    {
      level: options.level,
      redact: { paths: redactPaths, censor: '[redacted]' },
      base: { service: 'team-push' },
    },
    format === 'pretty' ? prettyStream(options.destination) : json,
  );
}

export type { Logger };
