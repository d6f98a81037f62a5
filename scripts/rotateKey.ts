/**
 * `npm run rotate-key`: re-encrypts every stored token with TOKEN_ENCRYPTION_KEY, reading the old
 * values with the keys in TOKEN_ENCRYPTION_KEY_PREVIOUS. Safe to run while the app serves (each value
 * is replaced by a conditional update) and safe to repeat. Exits 1 if any value stays unreadable.
 * The steps around it are in README.md, "Rotating the token key".
 */
import { openPortalStore } from './cliDatabase.js';

const { store, cipher, close } = await openPortalStore();
const report = await store.reencryptTokens();
await close();

console.log(`Current key id: ${cipher.currentKeyId}`);
console.log(`Re-encrypted with it: ${report.reencrypted}; already using it: ${report.alreadyCurrent}; unreadable: ${report.unreadable}`);
if (report.unreadable > 0) {
  console.error('Some tokens could not be decrypted with TOKEN_ENCRYPTION_KEY or TOKEN_ENCRYPTION_KEY_PREVIOUS: add the key they were written with to TOKEN_ENCRYPTION_KEY_PREVIOUS and run again.');
  process.exit(1);
}
console.log('Done. Once every app process runs with the new key, TOKEN_ENCRYPTION_KEY_PREVIOUS can be removed.');
