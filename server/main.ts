import { createServer } from 'node:http';
import { loadConfigOrExit } from './config.js';
import { createLogger } from './logger.js';
import { createApp } from './app.js';
import { builtClientPages, type ClientPages } from './http/clientPages.js';
import { openDatabase, migrateToLatest } from './storage/database.js';
import { loadTokenCipher } from './security/keyring.js';
import { createPortalStore } from './storage/portalStore.js';

const config = loadConfigOrExit();
const logger = createLogger({ level: config.logLevel });

const { cipher, keySource } = await loadTokenCipher(config);
const database = await openDatabase(config.databaseUrl, { logger });
await migrateToLatest(database, { logger });
const store = createPortalStore(database, cipher);

let pages: ClientPages;
if (config.nodeEnv === 'development') {
  const { devClientPages } = await import('./http/devClientPages.js');
  pages = await devClientPages();
} else {
  pages = builtClientPages();
}

const app = createApp({ config, logger, pages, store, database });
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
  logger.info({ signal }, 'shutting down');
  server.close();
  server.closeIdleConnections();
  await database.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
