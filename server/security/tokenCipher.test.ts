import { mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  KEY_FILE_NAME,
  TokenCipherError,
  createTokenCipher,
  generateEncryptionKey,
  loadOrCreateKeyFile,
  parseEncryptionKey,
} from './tokenCipher.js';

const TOKEN = 'a1b2c3d4e5f6access-token-0123456789';

/** Replaces one base64url character of part `index` of a v1 value with a different one. */
function alterPart(value: string, index: number): string {
  const parts = value.split('.');
  const part = parts[index] ?? '';
  const position = Math.floor(part.length / 2);
  const replacement = part[position] === 'A' ? 'B' : 'A';
  parts[index] = part.slice(0, position) + replacement + part.slice(position + 1);
  return parts.join('.');
}

describe('parseEncryptionKey', () => {
  it('accepts 32 bytes as hex, base64 and base64url, giving the same key id', () => {
    const bytes = randomBytes(32);
    const fromHex = parseEncryptionKey(bytes.toString('hex'));
    const fromBase64 = parseEncryptionKey(bytes.toString('base64'));
    const fromBase64Url = parseEncryptionKey(` ${bytes.toString('base64url')}\n`);
    expect(fromHex.id).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(fromBase64.id).toBe(fromHex.id);
    expect(fromBase64Url.id).toBe(fromHex.id);
    // Interchangeable: a value encrypted with one decrypts with the other.
    expect(createTokenCipher(fromBase64).decrypt(createTokenCipher(fromHex).encrypt(TOKEN))).toBe(TOKEN);
  });

  it.each([
    ['too short (16 bytes base64)', randomBytes(16).toString('base64')],
    ['too long (48 bytes base64)', randomBytes(48).toString('base64')],
    ['63 hex characters', randomBytes(32).toString('hex').slice(0, 63)],
    ['not base64', 'this is not a key!'],
    ['empty', '   '],
  ])('rejects a key that is %s, naming TOKEN_ENCRYPTION_KEY and not echoing it', (_label, text) => {
    let caught: unknown;
    try {
      parseEncryptionKey(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TokenCipherError);
    const message = (caught as Error).message;
    expect(message).toContain('TOKEN_ENCRYPTION_KEY');
    if (text.trim().length > 8) expect(message).not.toContain(text.trim());
  });

  it('never shows the key bytes when the key object is serialised or inspected', () => {
    const bytes = randomBytes(32);
    const key = parseEncryptionKey(bytes.toString('hex'));
    const shown = [JSON.stringify({ key }), inspect(key), String(key), inspect({ nested: { key } })].join('\n');
    for (const encoding of ['hex', 'base64', 'base64url'] as const) expect(shown).not.toContain(bytes.toString(encoding));
    expect(shown).toContain(key.id);
  });
});

describe('createTokenCipher', () => {
  const key = generateEncryptionKey();
  const cipher = createTokenCipher(key);

  it('round-trips, with a fresh IV per value and the versioned format carrying the key id', () => {
    const a = cipher.encrypt(TOKEN);
    const b = cipher.encrypt(TOKEN);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(a.split('.')[1]).toBe(key.id);
    expect(a).not.toContain(TOKEN);
    expect(cipher.decrypt(a)).toBe(TOKEN);
    expect(cipher.decrypt(b)).toBe(TOKEN);
    expect(cipher.decrypt(cipher.encrypt(''))).toBe('');
    const unicode = 'токен-🔑-' + 'x'.repeat(2000);
    expect(cipher.decrypt(cipher.encrypt(unicode))).toBe(unicode);
  });

  it('refuses a value encrypted with another key, saying the key differs', () => {
    const other = createTokenCipher(generateEncryptionKey());
    expect(() => other.decrypt(cipher.encrypt(TOKEN))).toThrow(/different key/);
    expect(() => other.decrypt(cipher.encrypt(TOKEN))).toThrow(TokenCipherError);
  });

  it('detects a forged key id: a value re-labelled with another key id fails authentication', () => {
    const otherKey = generateEncryptionKey();
    const both = createTokenCipher(key, { previousKeys: [otherKey] });
    const parts = cipher.encrypt(TOKEN).split('.');
    parts[1] = otherKey.id;
    expect(() => both.decrypt(parts.join('.'))).toThrow(/failed authentication/);
  });

  it.each([
    ['the IV', 2],
    ['the tag', 3],
    ['the ciphertext', 4],
  ])('detects tampering with %s', (_label, index) => {
    const value = cipher.encrypt(TOKEN);
    expect(() => cipher.decrypt(alterPart(value, index))).toThrow(TokenCipherError);
    expect(() => cipher.decrypt(alterPart(value, index))).toThrow(/failed authentication|malformed/);
  });

  it('detects a truncated ciphertext and a flipped bit', () => {
    const value = cipher.encrypt(TOKEN);
    const parts = value.split('.');
    const body = Buffer.from(parts[4] ?? '', 'base64url');
    expect(() => cipher.decrypt([...parts.slice(0, 4), body.subarray(0, body.length - 1).toString('base64url')].join('.'))).toThrow(TokenCipherError);
    body[0] = (body[0] ?? 0) ^ 1;
    expect(() => cipher.decrypt([...parts.slice(0, 4), body.toString('base64url')].join('.'))).toThrow(/failed authentication/);
  });

  it('refuses values that are not in the format, and unknown versions', () => {
    expect(() => cipher.decrypt(TOKEN)).toThrow(/Not an encrypted token value/);
    expect(() => cipher.decrypt('')).toThrow(TokenCipherError);
    expect(() => cipher.decrypt(cipher.encrypt(TOKEN).replace(/^v1\./, 'v2.'))).toThrow(/Unknown encrypted token format/);
    expect(() => cipher.decrypt(`${cipher.encrypt(TOKEN)}.extra`)).toThrow(TokenCipherError);
  });

  it('binds a value to its context: another context (another row) does not decrypt it', () => {
    const value = cipher.encrypt(TOKEN, 'portal_users.refresh_token:member-a:1');
    expect(cipher.decrypt(value, 'portal_users.refresh_token:member-a:1')).toBe(TOKEN);
    expect(() => cipher.decrypt(value, 'portal_users.refresh_token:member-b:1')).toThrow(/failed authentication/);
    expect(() => cipher.decrypt(value)).toThrow(/failed authentication/);
  });

  it('prepares key rotation: decrypts values of a previous key and says they need re-encryption', () => {
    const oldKey = generateEncryptionKey();
    const oldValue = createTokenCipher(oldKey).encrypt(TOKEN, 'ctx');
    const rotated = createTokenCipher(key, { previousKeys: [oldKey] });
    expect(rotated.currentKeyId).toBe(key.id);
    expect(rotated.decrypt(oldValue, 'ctx')).toBe(TOKEN);
    expect(rotated.needsReencryption(oldValue)).toBe(true);
    const reencrypted = rotated.encrypt(rotated.decrypt(oldValue, 'ctx'), 'ctx');
    expect(rotated.needsReencryption(reencrypted)).toBe(false);
    expect(cipher.decrypt(reencrypted, 'ctx')).toBe(TOKEN);
  });
});

describe('loadOrCreateKeyFile', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = path.join(await mkdtemp(path.join(os.tmpdir(), 'team-push-key-')), 'nested', 'data');
  });
  afterEach(async () => {
    await rm(path.dirname(path.dirname(dataDir)), { recursive: true, force: true });
  });

  it('creates the key once with mode 0600 (creating the folder) and reuses it on the next start', async () => {
    const first = await loadOrCreateKeyFile(dataDir);
    const file = path.join(dataDir, KEY_FILE_NAME);
    const { mode } = await stat(file);
    expect(mode & 0o777).toBe(0o600);
    const contentBefore = await readFile(file, 'utf8');
    const value = createTokenCipher(first).encrypt(TOKEN);

    const second = await loadOrCreateKeyFile(dataDir);
    expect(second.id).toBe(first.id);
    expect(await readFile(file, 'utf8')).toBe(contentBefore);
    expect(createTokenCipher(second).decrypt(value)).toBe(TOKEN);
  });

  it('gives every concurrent caller the same key (one file, no leftovers)', async () => {
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateKeyFile(dataDir)));
    expect(new Set(keys.map((key) => key.id)).size).toBe(1);
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(dataDir)).toEqual([KEY_FILE_NAME]);
  });

  it('tightens a key file copied in with loose permissions', async () => {
    const key = await loadOrCreateKeyFile(dataDir);
    const file = path.join(dataDir, KEY_FILE_NAME);
    await chmod(file, 0o644);
    expect((await loadOrCreateKeyFile(dataDir)).id).toBe(key.id);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('refuses to replace a damaged key file', async () => {
    await loadOrCreateKeyFile(dataDir);
    const file = path.join(dataDir, KEY_FILE_NAME);
    await writeFile(file, 'garbage\n');
    await expect(loadOrCreateKeyFile(dataDir)).rejects.toThrow(/damaged/);
    expect(await readFile(file, 'utf8')).toBe('garbage\n');
  });
});
