import { createServer } from 'node:http';
import { loadConfigOrExit } from './config.js';
import { createLogger } from './logger.js';
import { createApp } from './app.js';
import { composeParts } from './composition.js';
import { createLifecycle } from './lifecycle.js';
import { builtClientPages, type ClientPages } from './http/clientPages.js';
import { openDatabase, migrateToLatest } from './storage/database.js';
import { loadTokenCipher } from './security/keyring.js';
import { createPortalStore } from './storage/portalStore.js';
import type { SendOptions } from './send/wiring.js';

/**
 * The server process: configuration from the environment, database, the object graph (composeParts, once), app, listening, and the way it
 * stops. `server/main.ts` runs it with the defaults; the process tests run it with shorter timings.
 *
 * Stopping always ends (decision 0005, "Shutdown"): on SIGTERM or SIGINT the server takes no new
 * connections, the drain hands the sends over (each finishes only the call in flight) for at most the
 * grace period, the database gets at most DATABASE_CLOSE_TIMEOUT_MS to close (a query waiting for a lock
 * held elsewhere would otherwise keep it open for as long as the lock lasts), and the process exits
 * whatever is still pending. A second signal exits at once. An uncaught exception or an unhandled
 * rejection, also one inside the shutdown, is logged and ends the process with code 1.
 */

/** How long a stopping process waits for its sends (keep the orchestrator's grace period longer). */
export const SHUTDOWN_GRACE_MS = 25_000;
/** How long closing the database may take after the drain before the process exits anyway. */
export const DATABASE_CLOSE_TIMEOUT_MS = 5_000;

export interface RunServerOptions {
  /** Default SHUTDOWN_GRACE_MS. */
  shutdownGraceMs?: number;
  /** Default DATABASE_CLOSE_TIMEOUT_MS. */
  closeTimeoutMs?: number;
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
  const closeTimeoutMs = options.closeTimeoutMs ?? DATABASE_CLOSE_TIMEOUT_MS;

  let stopping = false;
  /** The end of the process after a failure nothing else caught: logged, then exit code 1. */
  function die(error: unknown, what: string): never {
    logger.fatal({ err: error, stopping }, `${what}: exiting`);
    process.exit(1);
  }
  process.on('uncaughtException', (error) => die(error, 'uncaught exception'));
  process.on('unhandledRejection', (reason) => die(reason, 'unhandled promise rejection'));

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
  const parts = composeParts({ config, logger, store, database, lifecycle, fetch: options.fetch, sends: options.sends });
  const app = createApp({ parts, pages });
  const server = createServer(app);
  server.listen(config.port, () => {
    logger.info({ port: config.port, publicUrl: config.publicUrl, database: database.kind, keySource, keyId: cipher.currentKeyId }, 'listening');
    if (!config.b24) {
      logger.warn('B24_CLIENT_ID and B24_CLIENT_SECRET are not set: the app pages are served, but installs cannot be verified until they are');
    }
  });

  async function shutdown(signal: string): Promise<void> {
    if (stopping) {
      logger.warn({ signal }, 'second signal while shutting down: exiting now');
      process.exit(1);
    }
    stopping = true;
    // Whatever hangs below, the process ends.
    setTimeout(() => die(new Error('shutdown did not end in time'), 'shutdown overran'), shutdownGraceMs + closeTimeoutMs + 5_000).unref();
    logger.info({ signal }, 'shutting down: no new requests; the sends in flight finish their current call and are handed over');
    server.close();
    server.closeIdleConnections();
    const { timedOut } = await lifecycle.drain(shutdownGraceMs);
    if (timedOut) logger.warn({ graceMs: shutdownGraceMs }, 'sends still running at the end of the grace period: another process (or the next start) takes them over when their lease runs out');
    const closed = await closeWithin(closeTimeoutMs);
    logger.info({ databaseClosed: closed }, 'stopped');
    process.exit(closed ? 0 : 1);
  }

  /** Closes the database, waiting at most `ms`: true when it closed. */
  async function closeWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), ms);
    });
    const closing = database.close().then(
      () => 'closed' as const,
      (error: unknown) => {
        logger.warn({ err: error }, 'closing the database failed');
        return 'failed' as const;
      },
    );
    const outcome = await Promise.race([closing, deadline]).finally(() => clearTimeout(timer));
    if (outcome === 'timeout') logger.warn({ closeTimeoutMs: ms }, 'the database did not close in time (a query still waits, e.g. for a lock held elsewhere): exiting without it');
    return outcome === 'closed';
  }

  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
