import type { AppConfig } from '../config.js';
import { createTokenCipher, loadOrCreateKeyFile, parseEncryptionKey, TokenCipherError, type TokenCipher } from './tokenCipher.js';

/**
 * The token cipher the configuration describes: TOKEN_ENCRYPTION_KEY (or, in the embedded default,
 * the key file in DATA_DIR) encrypts; keys in TOKEN_ENCRYPTION_KEY_PREVIOUS still decrypt during a
 * rotation. Used by the server and by every command that reads tokens.
 */
export async function loadTokenCipher(config: AppConfig): Promise<{ cipher: TokenCipher; keySource: 'env' | 'data-dir' }> {
  const current = config.tokenEncryptionKey ? parseEncryptionKey(config.tokenEncryptionKey) : await loadOrCreateKeyFile(config.dataDir);
  const previousKeys = config.previousEncryptionKeys.map((text, index) => {
    try {
      return parseEncryptionKey(text);
    } catch {
      throw new TokenCipherError(`TOKEN_ENCRYPTION_KEY_PREVIOUS: key ${index + 1} is not a valid key (32 bytes as 64 hex or 44 base64 characters)`);
    }
  });
  return { cipher: createTokenCipher(current, { previousKeys }), keySource: config.tokenEncryptionKey ? 'env' : 'data-dir' };
}
