import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { inspect } from 'node:util';
import path from 'node:path';

/**
 * Encryption of OAuth tokens at rest: AES-256-GCM with a 32-byte key.
 *
 * Output format (every part base64url, joined by dots):
 *
 *     v1.<keyId>.<iv>.<tag>.<ciphertext>
 *
 * - `v1`: format version. A later format gets a new prefix; `decrypt` refuses what it does not know.
 * - `keyId`: 8 characters derived from the key itself (a hash, not the key), so a value says which key
 *   encrypted it. Key rotation (a later issue) decrypts with the old key and re-encrypts with the new:
 *   `createTokenCipher(newKey, { previousKeys: [oldKey] })` already decrypts both, and
 *   `needsReencryption(value)` tells which stored values still use an old key.
 * - `iv`: 12 random bytes per value; `tag`: the 16-byte GCM authentication tag.
 * - The additional authenticated data is `v1.<keyId>` plus the optional `context`, so a changed header,
 *   IV, tag or ciphertext, or a value moved to another row (when the caller binds a context such as
 *   `portal_users.refresh_token:<member_id>:<user_id>`), fails authentication with a TokenCipherError.
 *
 * Keys never appear in errors, logs or `JSON.stringify`/`util.inspect` output.
 */

export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT_VERSION = 'v1';
export const KEY_FILE_NAME = 'token-encryption.key';

export class TokenCipherError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenCipherError';
  }
}

/** The key bytes live here, out of reach of serialisation and inspection of the key object. */
const keyBytes = new WeakMap<EncryptionKey, Buffer>();

export class EncryptionKey {
  /** Public fingerprint of the key (8 base64url characters), written into every value it encrypts. */
  readonly id: string;

  private constructor(bytes: Buffer) {
    if (bytes.length !== KEY_BYTES) {
      throw new TokenCipherError(`TOKEN_ENCRYPTION_KEY must be ${KEY_BYTES} bytes; got ${bytes.length}`);
    }
    this.id = createHash('sha256').update('b24-push/token-key-id/v1\0').update(bytes).digest('base64url').slice(0, 8);
    keyBytes.set(this, Buffer.from(bytes));
  }

  static fromBytes(bytes: Uint8Array): EncryptionKey {
    return new EncryptionKey(Buffer.from(bytes));
  }

  /** The key as base64 (for writing the key file). */
  toBase64(): string {
    return bytesOf(this).toString('base64');
  }

  toJSON(): { id: string; key: string } {
    return { id: this.id, key: '[redacted]' };
  }

  toString(): string {
    return `EncryptionKey(${this.id})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

function bytesOf(key: EncryptionKey): Buffer {
  const bytes = keyBytes.get(key);
  if (!bytes) throw new TokenCipherError('not an EncryptionKey made by parseEncryptionKey or generateEncryptionKey');
  return bytes;
}

const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64_KEY = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Parses `TOKEN_ENCRYPTION_KEY`: 32 bytes written as 64 hex characters or as base64 / base64url
 * (44 characters with padding, 43 without). The error names the variable and never echoes the value.
 */
export function parseEncryptionKey(text: string): EncryptionKey {
  const value = text.trim();
  if (HEX_KEY.test(value)) return EncryptionKey.fromBytes(Buffer.from(value, 'hex'));
  if (value === '' || !BASE64_KEY.test(value)) {
    throw new TokenCipherError(
      `TOKEN_ENCRYPTION_KEY must be ${KEY_BYTES} random bytes written as 64 hex characters or base64 (44 characters); ` +
        'generate one with: node -e "console.log(require(\'crypto\').randomBytes(32).toString(\'base64\'))"',
    );
  }
  const bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes.length !== KEY_BYTES) {
    throw new TokenCipherError(
      `TOKEN_ENCRYPTION_KEY must decode to exactly ${KEY_BYTES} bytes (64 hex characters or 44 base64 characters); it decodes to ${bytes.length} bytes`,
    );
  }
  return EncryptionKey.fromBytes(bytes);
}

export function generateEncryptionKey(): EncryptionKey {
  return EncryptionKey.fromBytes(randomBytes(KEY_BYTES));
}

/**
 * The embedded default: without `TOKEN_ENCRYPTION_KEY`, a key is generated once into
 * `<dataDir>/token-encryption.key` (mode 0600) and read back on every later start.
 *
 * Creation is atomic (written to a temporary file, then hard-linked into place, which fails if the file
 * already exists), so two processes starting at once end up with the same key. An existing file is never
 * overwritten: a damaged one stops start-up with an error naming it, because replacing the key would make
 * every stored token unreadable.
 */
export async function loadOrCreateKeyFile(dataDir: string): Promise<EncryptionKey> {
  const file = path.resolve(dataDir, KEY_FILE_NAME);
  const existing = await readKeyFile(file);
  if (existing) return existing;

  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = generateEncryptionKey();
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, `${key.toBase64()}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(temporary, 0o600); // exactly 0600, whatever the umask
    await link(temporary, file);
    return key;
  } catch (error) {
    if (isErrno(error, 'EEXIST')) {
      const winner = await readKeyFile(file);
      if (winner) return winner;
    }
    throw error;
  } finally {
    await rm(temporary, { force: true });
  }
}

async function readKeyFile(file: string): Promise<EncryptionKey | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return null;
    throw error;
  }
  let key: EncryptionKey;
  try {
    key = parseEncryptionKey(text);
  } catch {
    throw new TokenCipherError(
      `The key file ${file} is damaged (it must hold ${KEY_BYTES} bytes as base64). Restore it from a backup, or set TOKEN_ENCRYPTION_KEY; ` +
        'deleting it makes every stored token unreadable (each portal must then be opened again).',
    );
  }
  // Keep the file private even if it was copied in with looser permissions.
  const { mode } = await stat(file);
  if ((mode & 0o077) !== 0) await chmod(file, 0o600);
  return key;
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

export interface TokenCipher {
  /** Id of the key new values are encrypted with. */
  readonly currentKeyId: string;
  /**
   * Encrypts `plaintext`. `context` (optional, not secret, not stored) binds the value to where it is
   * kept: decrypting with a different context fails.
   */
  encrypt(plaintext: string, context?: string): string;
  /** Decrypts a value made by `encrypt`; throws TokenCipherError when it was altered or the key is unknown. */
  decrypt(value: string, context?: string): string;
  /** True when `value` was encrypted with a key other than the current one (key rotation). */
  needsReencryption(value: string): boolean;
}

export function createTokenCipher(currentKey: EncryptionKey, options: { previousKeys?: readonly EncryptionKey[] } = {}): TokenCipher {
  const keysById = new Map<string, Buffer>();
  for (const key of [currentKey, ...(options.previousKeys ?? [])]) {
    if (!keysById.has(key.id)) keysById.set(key.id, bytesOf(key));
  }
  const currentBytes = bytesOf(currentKey);

  function aad(keyId: string, context: string | undefined): Buffer {
    return Buffer.from(context === undefined ? `${FORMAT_VERSION}.${keyId}` : `${FORMAT_VERSION}.${keyId}\0${context}`, 'utf8');
  }

  function split(value: string): { keyId: string; iv: Buffer; tag: Buffer; ciphertext: Buffer } {
    const parts = typeof value === 'string' ? value.split('.') : [];
    const [version, keyId, iv, tag, ciphertext] = parts;
    if (parts.length !== 5 || version === undefined || keyId === undefined || iv === undefined || tag === undefined || ciphertext === undefined) {
      throw new TokenCipherError('Not an encrypted token value (expected v1.<keyId>.<iv>.<tag>.<ciphertext>)');
    }
    if (version !== FORMAT_VERSION) {
      throw new TokenCipherError(`Unknown encrypted token format "${version.slice(0, 8)}" (this version reads ${FORMAT_VERSION})`);
    }
    const base64url = /^[A-Za-z0-9_-]*$/;
    if (![keyId, iv, tag, ciphertext].every((part) => base64url.test(part))) {
      throw new TokenCipherError('Encrypted token value is malformed (not base64url)');
    }
    return { keyId, iv: Buffer.from(iv, 'base64url'), tag: Buffer.from(tag, 'base64url'), ciphertext: Buffer.from(ciphertext, 'base64url') };
  }

  return {
    currentKeyId: currentKey.id,

    encrypt(plaintext, context) {
      if (typeof plaintext !== 'string') throw new TokenCipherError('Only strings can be encrypted');
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', currentBytes, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(aad(currentKey.id, context));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [FORMAT_VERSION, currentKey.id, iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join('.');
    },

    decrypt(value, context) {
      const { keyId, iv, tag, ciphertext } = split(value);
      const key = keysById.get(keyId);
      if (!key) {
        throw new TokenCipherError(
          `Encrypted token uses key id ${keyId}, but TOKEN_ENCRYPTION_KEY has id ${currentKey.id}: the process runs with a different key than the one that stored the tokens`,
        );
      }
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
        throw new TokenCipherError('Encrypted token value is malformed (IV or tag of the wrong length)');
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(aad(keyId, context));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
      } catch {
        throw new TokenCipherError('Encrypted token failed authentication: it was altered, or it belongs to another record');
      }
    },

    needsReencryption(value) {
      return split(value).keyId !== currentKey.id;
    },
  };
}
