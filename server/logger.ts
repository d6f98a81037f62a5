import { pino, type Logger, type DestinationStream } from 'pino';

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

export function createLogger(options: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      redact: { paths: redactPaths, censor: '[redacted]' },
      base: { service: 'b24-push' },
    },
    options.destination,
  );
}

export type { Logger };
