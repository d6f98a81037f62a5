import { BlockList, isIP } from 'node:net';
import { z } from 'zod';

/**
 * The one configuration schema. Every setting comes from the environment; a bad value stops
 * start-up with one line naming the variable (see formatConfigError).
 */

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

const httpUrl = (variable: string) =>
  z
    .string()
    .trim()
    .refine((value) => URL.canParse(value), { message: `${variable} must be an absolute URL` })
    .transform((value) => new URL(value))
    .refine((url) => url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)), {
      message: `${variable} must use https (plain http is allowed only for localhost)`,
    })
    .refine((url) => url.username === '' && url.password === '' && url.search === '' && url.hash === '', {
      message: `${variable} must not carry credentials, a query or a fragment`,
    })
    .transform((url) => url.origin + url.pathname.replace(/\/+$/, ''));

/** At most this many OAuth servers (Bitrix24 runs one per region: two today). */
const MAX_OAUTH_SERVERS = 8;

/**
 * B24_OAUTH_URL: one OAuth server or several, comma-separated, the first being the default; each is a base
 * URL under the same rules as PUBLIC_URL (https, plain http only for localhost), without the `/rest/` a
 * portal's `server_endpoint` ends with. A portal uses the one its `server_endpoint` names, else the first
 * (server/bitrix/oauthServers.ts). A bad item is named by its place, not echoed (it may hold a password).
 */
const oauthServerList = z
  .string()
  .transform((value, ctx) => {
    const items = value.split(',').map((item) => item.trim()).filter(Boolean);
    const refuse = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    if (items.length === 0) return refuse('B24_OAUTH_URL must name at least one OAuth server URL');
    if (items.length > MAX_OAUTH_SERVERS) return refuse(`B24_OAUTH_URL may list at most ${MAX_OAUTH_SERVERS} OAuth servers`);
    const urls: string[] = [];
    for (const [index, item] of items.entries()) {
      const where = items.length > 1 ? ` (item ${index + 1} of ${items.length})` : '';
      const parsed = httpUrl('B24_OAUTH_URL').safeParse(item);
      if (!parsed.success) return refuse(`${parsed.error.issues[0]?.message ?? 'B24_OAUTH_URL is invalid'}${where}`);
      if (/\/rest$/i.test(parsed.data)) return refuse(`B24_OAUTH_URL takes the server's base URL, without /rest/${where}`);
      if (!urls.includes(parsed.data)) urls.push(parsed.data);
    }
    return urls;
  });

const DATABASE_URL_PATTERN = /^(sqlite:.+|postgres(ql)?:\/\/.+)$/;

const environmentSchema = z
  .object({
    PORT: z.coerce
      .number({ message: 'PORT must be a whole number between 1 and 65535' })
      .int('PORT must be a whole number between 1 and 65535')
      .min(1, 'PORT must be a whole number between 1 and 65535')
      .max(65535, 'PORT must be a whole number between 1 and 65535')
      .default(3000),
    PUBLIC_URL: httpUrl('PUBLIC_URL').optional(),
    B24_CLIENT_ID: z
      .string()
      .trim()
      .regex(/^[\w.-]{1,128}$/, 'B24_CLIENT_ID must be the application code from the vendor card (letters, digits, . _ -)')
      .optional(),
    B24_CLIENT_SECRET: z
      .string()
      .trim()
      .min(8, 'B24_CLIENT_SECRET looks too short to be an application key')
      .max(256, 'B24_CLIENT_SECRET is too long')
      .optional(),
    B24_OAUTH_URL: oauthServerList.default(['https://oauth.bitrix.info']),
    B24_APP_NAME: z
      .string()
      .trim()
      .min(1, 'B24_APP_NAME must not be empty: it is the title of every push')
      .max(100, 'B24_APP_NAME must be at most 100 characters')
      .default('Team Push'),
    DATABASE_URL: z
      .string()
      .trim()
      .regex(DATABASE_URL_PATTERN, 'DATABASE_URL must be sqlite:<path>, sqlite::memory: or postgres://user@host:port/db')
      .default('sqlite:./data/app.sqlite'),
    DATA_DIR: z.string().trim().min(1, 'DATA_DIR must not be empty').default('./data'),
    REDIS_URL: z
      .string()
      .trim()
      .refine((value) => URL.canParse(value) && /^rediss?:$/.test(new URL(value).protocol), 'REDIS_URL must be redis://[user:password@]host:port[/db] or rediss://… (TLS)')
      .optional(),
    TOKEN_ENCRYPTION_KEY: z.string().trim().min(1, 'TOKEN_ENCRYPTION_KEY must not be empty when set').optional(),
    /** Key rotation: the keys before TOKEN_ENCRYPTION_KEY, comma-separated; read with, never written with. */
    TOKEN_ENCRYPTION_KEY_PREVIOUS: z.string().trim().optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      message: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
    }).default('info'),
    NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
    UNINSTALL_PURGE_DAYS: z.coerce
      .number({ message: 'UNINSTALL_PURGE_DAYS must be a whole number of days from 0 to 365' })
      .int('UNINSTALL_PURGE_DAYS must be a whole number of days from 0 to 365')
      .min(0, 'UNINSTALL_PURGE_DAYS must be a whole number of days from 0 to 365')
      .max(365, 'UNINSTALL_PURGE_DAYS must be a whole number of days from 0 to 365')
      .default(7),
    SEND_RETENTION_DAYS: z.coerce
      .number({ message: 'SEND_RETENTION_DAYS must be a whole number of days from 1 to 3650' })
      .int('SEND_RETENTION_DAYS must be a whole number of days from 1 to 3650')
      .min(1, 'SEND_RETENTION_DAYS must be a whole number of days from 1 to 3650')
      .max(3650, 'SEND_RETENTION_DAYS must be a whole number of days from 1 to 3650')
      .default(400),
    /**
     * Whose X-Forwarded-For / X-Forwarded-Proto the app believes (Express's `trust proxy`): the proxies in
     * front of it, as addresses, CIDR ranges or the names loopback, linklocal, uniquelocal, comma-separated.
     */
    TRUST_PROXY: z
      .string()
      .trim()
      .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean))
      .refine((items) => items.length > 0 && items.every(isTrustedProxyItem), 'TRUST_PROXY must list proxy addresses or CIDR ranges inside one private network (e.g. 172.18.0.0/16; never a range covering public addresses) or loopback, linklocal, uniquelocal, comma-separated')
      .default(['loopback']),
    /** Who may read GET /metrics (Authorization: Bearer …); unset: /metrics is not served. */
    METRICS_TOKEN: z
      .string()
      .trim()
      .min(32, 'METRICS_TOKEN must be at least 32 characters (e.g. openssl rand -hex 32)')
      .max(512, 'METRICS_TOKEN must be at most 512 characters')
      .regex(/^[\x21-\x7e]+$/, 'METRICS_TOKEN must be printable ASCII without spaces (it travels in an Authorization header)')
      .optional(),
  })
  .superRefine((env, ctx) => {
    if (Boolean(env.B24_CLIENT_ID) !== Boolean(env.B24_CLIENT_SECRET)) {
      const missing = env.B24_CLIENT_ID ? 'B24_CLIENT_SECRET' : 'B24_CLIENT_ID';
      ctx.addIssue({
        code: 'custom',
        path: [missing],
        message: `${missing} must be set together with ${missing === 'B24_CLIENT_ID' ? 'B24_CLIENT_SECRET' : 'B24_CLIENT_ID'}`,
      });
    }
    if (env.TOKEN_ENCRYPTION_KEY_PREVIOUS && !env.TOKEN_ENCRYPTION_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['TOKEN_ENCRYPTION_KEY_PREVIOUS'],
        message: 'TOKEN_ENCRYPTION_KEY_PREVIOUS needs the new key in TOKEN_ENCRYPTION_KEY (see "Rotating the token key" in README.md)',
      });
    }
    if (env.DATABASE_URL.startsWith('postgres') && !env.TOKEN_ENCRYPTION_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['TOKEN_ENCRYPTION_KEY'],
        message: 'TOKEN_ENCRYPTION_KEY must be set when DATABASE_URL is PostgreSQL (every app process needs the same key)',
      });
    }
  });

export interface AppConfig {
  port: number;
  /** Public base URL of the app, without a trailing slash (handler URLs are built from it). */
  publicUrl: string;
  /** Null until the app is registered: install and sending then answer with a clear "not configured". */
  b24: { clientId: string; clientSecret: string } | null;
  /** The default Bitrix24 OAuth server: the first of `oauthUrls`. */
  oauthUrl: string;
  /** Every configured OAuth server (B24_OAUTH_URL), the default first; a portal's server_endpoint picks among them. */
  oauthUrls: string[];
  appName: string;
  databaseUrl: string;
  dataDir: string;
  /** Where the limits shared by several processes live (decision 0014); null: PostgreSQL when the database is, else this process. */
  redisUrl: string | null;
  /** Null in the embedded default: a key is generated and kept in dataDir. */
  tokenEncryptionKey: string | null;
  /** Older keys still accepted for reading during a key rotation. */
  previousEncryptionKeys: string[];
  logLevel: z.infer<typeof environmentSchema>['LOG_LEVEL'];
  nodeEnv: z.infer<typeof environmentSchema>['NODE_ENV'];
  /** How long a portal uninstalled with CLEAN keeps its data before it is deleted (a reinstall within it restores it). */
  uninstallPurgeAfterMs: number;
  /** How long a finished send (and its chunks) stays in the history before the retention sweep deletes it. */
  sendRetentionMs: number;
  /** The bearer token GET /metrics requires; null: /metrics is not served (404). */
  metricsToken: string | null;
  /** The proxies whose X-Forwarded-* headers are believed (request address, protocol); default loopback. */
  trustProxy: string[];
}

/**
 * An item of TRUST_PROXY as Express's proxy-addr takes it: a named range, an address, or an address with a
 * prefix length. Hop counts and `true` are not offered: they would believe whatever a client sends. A range
 * must lie inside one private, loopback or link-local network (a proxy in front of the app is on one): a
 * range covering public addresses would let anyone there name any client address. A single address may
 * be public (a load balancer's own address), never the unspecified one.
 */
function isTrustedProxyItem(item: string): boolean {
  if (item === 'loopback' || item === 'linklocal' || item === 'uniquelocal') return true;
  const [address = '', prefix, ...rest] = item.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  const bits = family === 4 ? 32 : 128;
  if (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) return false;
  const length = prefix === undefined ? bits : Number(prefix);
  if (length > bits) return false;
  if (length === bits) return address !== '0.0.0.0' && address !== '::' && !/^[0:]+$/.test(address);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  return NON_PUBLIC_NETWORKS.some(([network, networkLength]) => {
    if (isIP(network) !== family || length < networkLength) return false;
    const inside = new BlockList();
    inside.addSubnet(network, networkLength, type);
    return inside.check(address, type);
  });
}

/** The widest ranges a trusted proxy range may fall in (RFC 1918, 6598, 3927, 4193, 4291 loopback and link-local). */
const NON_PUBLIC_NETWORKS: ReadonlyArray<readonly [string, number]> = [
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['fc00::', 7],
  ['fe80::', 10],
];

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Empty strings count as unset, the way shells and .env files usually mean them. */
function withoutEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = environmentSchema.safeParse(withoutEmpty(env));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'environment');
    const message = issue?.message.includes(variable) ? issue.message : `${variable}: ${issue?.message ?? 'invalid value'}`;
    throw new ConfigError(variable, message);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    publicUrl: e.PUBLIC_URL ?? `http://localhost:${e.PORT}`,
    b24: e.B24_CLIENT_ID && e.B24_CLIENT_SECRET ? { clientId: e.B24_CLIENT_ID, clientSecret: e.B24_CLIENT_SECRET } : null,
    oauthUrl: e.B24_OAUTH_URL[0] ?? 'https://oauth.bitrix.info',
    oauthUrls: e.B24_OAUTH_URL,
    appName: e.B24_APP_NAME,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    redisUrl: e.REDIS_URL ?? null,
    tokenEncryptionKey: e.TOKEN_ENCRYPTION_KEY ?? null,
    previousEncryptionKeys: (e.TOKEN_ENCRYPTION_KEY_PREVIOUS ?? '')
      .split(',')
      .map((key) => key.trim())
      .filter(Boolean),
    logLevel: e.LOG_LEVEL,
    nodeEnv: e.NODE_ENV,
    uninstallPurgeAfterMs: e.UNINSTALL_PURGE_DAYS * 86_400_000,
    sendRetentionMs: e.SEND_RETENTION_DAYS * 86_400_000,
    metricsToken: e.METRICS_TOKEN ?? null,
    trustProxy: e.TRUST_PROXY,
  };
}

/** The one line printed when start-up stops on bad configuration. */
export function formatConfigError(error: ConfigError): string {
  return `Configuration error: ${error.message}`;
}

/** For the server and the commands: the configuration, or the one-line error and exit code 1. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): AppConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(formatConfigError(error));
      process.exit(1);
    }
    throw error;
  }
}
