/**
 * `npm run rotate-key`: re-encrypts every stored token with TOKEN_ENCRYPTION_KEY, reading the old
 * values with the keys in TOKEN_ENCRYPTION_KEY_PREVIOUS. Safe to run while the app serves (each value
 * is replaced by a conditional update) and safe to repeat. Exits 1 if any value stays unreadable.
 * The steps around it are in README.md, "Rotating the token key".
 */
import { loadConfigOrExit } from '../server/config.js';
import { openDatabase, migrateToLatest } from '../server/storage/database.js';
import { createPortalStore } from '../server/storage/portalStore.js';
import { loadTokenCipher } from '../server/security/keyring.js';

const config = loadConfigOrExit();

const { cipher } = await loadTokenCipher(config);
const database = await openDatabase(config.databaseUrl);
await migrateToLatest(database);
const report = await createPortalStore(database, cipher).reencryptTokens();
await database.close();

console.log(`Current key id: ${cipher.currentKeyId}`);
console.log(`Re-encrypted with it: ${report.reencrypted}; already using it: ${report.alreadyCurrent}; unreadable: ${report.unreadable}`);
if (report.unreadable > 0) {
  console.error('Some tokens could not be decrypted with TOKEN_ENCRYPTION_KEY or TOKEN_ENCRYPTION_KEY_PREVIOUS: add the key they were written with to TOKEN_ENCRYPTION_KEY_PREVIOUS and run again.');
  process.exit(1);
}
console.log('Done. Once every app process runs with the new key, TOKEN_ENCRYPTION_KEY_PREVIOUS can be removed.');
