import { createServer } from 'node:http';
import { loadConfigOrExit } from './config.js';
import { createLogger } from './logger.js';
import { createApp } from './app.js';
import { createLifecycle } from './lifecycle.js';
import { builtClientPages, type ClientPages } from './http/clientPages.js';
import { openDatabase, migrateToLatest } from './storage/database.js';
import { loadTokenCipher } from './security/keyring.js';
import { createPortalStore } from './storage/portalStore.js';
import type { SendOptions } from './send/wiring.js';

/**
 * The server process: configuration from the environment, database, app, listening, and the way it
 * stops. `server/main.ts` runs it with the defaults; the process tests run it with shorter timings.
 */

/** How long a stopping process waits for its sends (keep the orchestrator's grace period longer). */
export const SHUTDOWN_GRACE_MS = 25_000;

export interface RunServerOptions {
  /** Default SHUTDOWN_GRACE_MS. */
  shutdownGraceMs?: number;
  /** The client pages (default: the built client; development: Vite). */
  pages?: ClientPages;
  /** Outbound HTTP (tests wrap it to slow the network down). */
  fetch?: typeof fetch;
  /** Send pipeline timing (tests). */
  sends?: SendOptions;
}

export async function runServer(options: RunServerOptions = {}): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger({ level: config.logLevel });
  const shutdownGraceMs = options.shutdownGraceMs ?? SHUTDOWN_GRACE_MS;

  const { cipher, keySource } = await loadTokenCipher(config);
  const database = await openDatabase(config.databaseUrl, { logger });
  await migrateToLatest(database, { logger });
  const store = createPortalStore(database, cipher);

  let pages: ClientPages;
  if (options.pages) {
    pages = options.pages;
  } else if (config.nodeEnv === 'development') {
    const { devClientPages } = await import('./http/devClientPages.js');
    pages = await devClientPages();
  } else {
    pages = builtClientPages();
  }

  const lifecycle = createLifecycle();
  const app = createApp({ config, logger, pages, store, database, lifecycle, fetch: options.fetch, sends: options.sends });
  const server = createServer(app);
  server.listen(config.port, () => {
    logger.info({ port: config.port, publicUrl: config.publicUrl, database: database.kind, keySource, keyId: cipher.currentKeyId }, 'listening');
    if (!config.b24) {
      logger.warn('B24_CLIENT_ID and B24_CLIENT_SECRET are not set: the app pages are served, but installs cannot be verified until they are');
    }
  });

  let stopping = false;
  async function shutdown(signal: string): Promise<void> {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new requests; finishing the sends in flight');
    server.close();
    server.closeIdleConnections();
    const { timedOut } = await lifecycle.drain(shutdownGraceMs);
    if (timedOut) logger.warn({ graceMs: shutdownGraceMs }, 'sends still running at the end of the grace period: another process (or the next start) takes them over when their lease runs out');
    await database.close();
    logger.info('stopped');
    process.exit(0);
  }
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
