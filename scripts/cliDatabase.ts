import { loadConfigOrExit } from '../server/config.js';
import { openDatabase, migrateToLatest } from '../server/storage/database.js';
import { createPortalStore, type PortalStore } from '../server/storage/portalStore.js';
import { loadTokenCipher } from '../server/security/keyring.js';
import type { TokenCipher } from '../server/security/tokenCipher.js';

/**
 * For the operator scripts (`npm run portals`, `npm run rotate-key`): the portal store over the configured
 * database, migrated to the latest schema, with the configured token keys (a bad configuration exits).
 */
export async function openPortalStore(): Promise<{ store: PortalStore; cipher: TokenCipher; close: () => Promise<void> }> {
  const config = loadConfigOrExit();
  const { cipher } = await loadTokenCipher(config);
  const database = await openDatabase(config.databaseUrl);
  await migrateToLatest(database);
  return { store: createPortalStore(database, cipher), cipher, close: () => database.close() };
}
