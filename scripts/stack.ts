import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../server/app.js';
import { composeParts, type AppParts } from '../server/composition.js';
import { loadConfig, type AppConfig } from '../server/config.js';
import { createLogger, type Logger } from '../server/logger.js';
import { builtClientPages, type ClientPages } from '../server/http/clientPages.js';
import { openDatabase, migrateToLatest, type AppDatabase } from '../server/storage/database.js';
import { createPortalStore, type PortalStore } from '../server/storage/portalStore.js';
import { createTokenCipher, generateEncryptionKey } from '../server/security/tokenCipher.js';
import type { SendOptions } from '../server/send/wiring.js';
import type { ApiRateLimits } from '../server/api/apiRateLimit.js';
import { REQUIRED_SCOPES } from '../server/bitrix/scopes.js';
import { createLifecycle } from '../server/lifecycle.js';
import { startSimulator } from '../simulator/index.js';
import type { Clock, PortalOptions, Simulator } from '../simulator/contract.js';

export const TEST_CLIENT_ID = 'local.teampush.test';
export const TEST_CLIENT_SECRET = 'simulated-client-secret-0123456789';

export interface StackOptions {
  appName?: string;
  portals?: PortalOptions[];
  clock?: Clock;
  accessTokenTtl?: number;
  /** The built client by default; server tests pass fixture pages. */
  pages?: ClientPages;
  /** sqlite::memory: by default. */
  databaseUrl?: string;
  /** Fixed ports for the demo; 0 (any free port) by default. */
  appPort?: number;
  oauthPort?: number;
  logger?: Logger;
  /** The level of the request log lines (default info; the demo logs them at debug). */
  requestLogLevel?: 'info' | 'debug';
  /** Send pipeline timing (e.g. short retry backoff so a test sees retries run out in seconds). */
  sends?: SendOptions;
  /** /api/ limits per user and portal (benchmarks raise them). */
  apiRateLimits?: ApiRateLimits;
  /** How often the app looks for uninstalled portals whose grace period is over (tests shorten it). */
  purgeSweepMs?: number;
  /** How often the app looks for unconfirmed uninstall reports due a check (default every minute). */
  uninstallRecheckMs?: number;
  /** The scopes the app is registered with (default: all it needs). */
  appScopes?: string[];
  /** The shape of the simulated OAuth server's app.info answer (default 'nested'). */
  oauthAppInfoShape?: 'flat' | 'nested' | 'minimal';
  /** How many simulated OAuth servers run (default 1); B24_OAUTH_URL lists them all unless `environment` says otherwise. */
  oauthServerCount?: number;
  /** What the simulated refresh answers say in `scope`: 'app' (default) or the granted list. */
  oauthRefreshScope?: 'app' | 'list';
  /** More of the app's environment (e.g. METRICS_TOKEN), read with the rest by loadConfig. */
  environment?: Record<string, string>;
}

export interface Stack {
  appUrl: string;
  config: AppConfig;
  database: AppDatabase;
  store: PortalStore;
  /** The app's parts, built once by composeParts (tests read the pipeline or the scheduler here). */
  parts: AppParts;
  sim: Simulator;
  close(): Promise<void>;
}

/**
 * The app and the portal simulator wired to each other (`npm run demo`, the benchmarks, and the tests
 * that need both: it lives here, beside `demo.ts`, rather than in test/support/, because the demo and
 * the benchmarks use it too; server/ never imports it), as in production: the app's OAuth server is
 * the simulator's, and the simulator's registered app URL is the app's. The app's port is taken first
 * so both sides know each other's URLs before either serves a request.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const server = createServer();
  await listen(server, options.appPort ?? 0);
  const appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const appName = options.appName ?? 'Team Push';

  const sim = await startSimulator({
    oauthPort: options.oauthPort ?? 0,
    clock: options.clock,
    accessTokenTtl: options.accessTokenTtl,
    oauthAppInfoShape: options.oauthAppInfoShape,
    oauthServerCount: options.oauthServerCount,
    oauthRefreshScope: options.oauthRefreshScope,
    app: {
      clientId: TEST_CLIENT_ID,
      clientSecret: TEST_CLIENT_SECRET,
      name: appName,
      url: appUrl,
      scopes: options.appScopes ?? [...REQUIRED_SCOPES],
    },
    portals: options.portals ?? [{}],
  });

  const encryptionKey = generateEncryptionKey();
  const config = loadConfig({
    TOKEN_ENCRYPTION_KEY: encryptionKey.toBase64(),
    PORT: String((server.address() as AddressInfo).port),
    PUBLIC_URL: appUrl,
    B24_CLIENT_ID: TEST_CLIENT_ID,
    B24_CLIENT_SECRET: TEST_CLIENT_SECRET,
    B24_OAUTH_URL: sim.oauthServers.map((server) => server.url).join(','),
    B24_APP_NAME: appName,
    DATABASE_URL: options.databaseUrl ?? 'sqlite::memory:',
    NODE_ENV: 'test',
    ...options.environment,
  });
  const logger = options.logger ?? createLogger({ level: 'silent' });
  const database = await openDatabase(config.databaseUrl, { logger });
  await migrateToLatest(database, { logger });
  const store = createPortalStore(database, createTokenCipher(encryptionKey));
  const lifecycle = createLifecycle();
  const parts = composeParts({ config, logger, store, database, now: () => sim.clock.now(), sends: options.sends, lifecycle, purgeSweepMs: options.purgeSweepMs, uninstallRecheckMs: options.uninstallRecheckMs });
  server.on('request', createApp({ parts, pages: options.pages ?? builtClientPages(), apiRateLimits: options.apiRateLimits, requestLogLevel: options.requestLogLevel }));

  return {
    appUrl,
    config,
    database,
    store,
    parts,
    sim,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await lifecycle.drain(10_000);
      await sim.close();
      await database.close();
    },
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}
