import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openDatabase, migrateToLatest } from '../server/storage/database.js';
import { createPortalStore } from '../server/storage/portalStore.js';
import { createTokenCipher, generateEncryptionKey, type EncryptionKey } from '../server/security/tokenCipher.js';

/** `npm run rotate-key` on a real SQLite file, as an operator runs it. */

const root = fileURLToPath(new URL('..', import.meta.url));
const TSX = path.join(root, 'node_modules', '.bin', 'tsx');
const MEMBER = 'a'.repeat(32);

function rotate(databaseUrl: string, current: EncryptionKey, previous: EncryptionKey[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, TOKEN_ENCRYPTION_KEY: current.toBase64(), LOG_LEVEL: 'silent' };
  if (previous.length > 0) env.TOKEN_ENCRYPTION_KEY_PREVIOUS = previous.map((key) => key.toBase64()).join(',');
  else delete env.TOKEN_ENCRYPTION_KEY_PREVIOUS;
  const run = spawnSync(TSX, ['scripts/rotateKey.ts'], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
  return { code: run.status, out: `${run.stdout}${run.stderr}` };
}

async function withStore<T>(databaseUrl: string, keys: EncryptionKey[], use: (store: ReturnType<typeof createPortalStore>) => Promise<T>): Promise<T> {
  const database = await openDatabase(databaseUrl);
  await migrateToLatest(database);
  try {
    return await use(createPortalStore(database, createTokenCipher(keys[0]!, { previousKeys: keys.slice(1) })));
  } finally {
    await database.close();
  }
}

describe('npm run rotate-key', () => {
  it('re-encrypts every token with the new key, is safe to repeat, and refuses to pretend when a key is missing', { timeout: 120_000 }, async () => {
    const databaseUrl = `sqlite:${path.join(mkdtempSync(path.join(tmpdir(), 'rotate-')), 'app.sqlite')}`;
    const [oldKey, newKey, strangerKey] = [generateEncryptionKey(), generateEncryptionKey(), generateEncryptionKey()];
    await withStore(databaseUrl, [oldKey], async (store) => {
      await store.upsertPortal({ memberId: MEMBER, domain: 'acme.example', clientEndpoint: 'https://acme.example/rest/', serverEndpoint: 'https://oauth.example/rest/', appName: 'Team Push', applicationToken: 'app-token-1' });
      await store.saveUserTokens(MEMBER, 1, { accessToken: 'access-1', refreshToken: 'refresh-1', expiresAt: 1, scope: 'pull', isAdmin: true });
    });

    const first = rotate(databaseUrl, newKey, [oldKey]);
    expect(first.code, first.out).toBe(0);
    expect(first.out).toContain('Re-encrypted with it: 3; already using it: 0; unreadable: 0');

    // The new key alone reads everything now.
    await withStore(databaseUrl, [newKey], async (store) => {
      expect((await store.getPortal(MEMBER))?.applicationToken).toBe('app-token-1');
      expect(await store.getUserTokens(MEMBER, 1)).toMatchObject({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    });

    const again = rotate(databaseUrl, newKey, []);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain('Re-encrypted with it: 0; already using it: 3; unreadable: 0');

    const wrong = rotate(databaseUrl, strangerKey, []);
    expect(wrong.code).toBe(1);
    expect(wrong.out).toContain('unreadable: 3');
    expect(wrong.out).not.toContain(newKey.toBase64());
    // Nothing was damaged by the failed run.
    await withStore(databaseUrl, [newKey], async (store) => expect((await store.getUserTokens(MEMBER, 1))?.refreshToken).toBe('refresh-1'));
  });
});
