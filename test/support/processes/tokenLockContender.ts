/**
 * Child process for the cross-process token lock test (run through tsx by runContenders).
 * Env: DATABASE_URL, TOKEN_KEY (base64), MEMBER_ID, USER_ID, CALLS, REFRESH_MS, MODE (`lock` or
 * `naive`: the same read-refresh-write without the lock, to prove the test detects a race).
 * Prints {pid, refreshes, sawFresh}. The tokens are fake test values; none is printed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase } from '../../../server/storage/database.js';
import { createPortalStore, type UserTokens } from '../../../server/storage/portalStore.js';
import { createTokenCipher, parseEncryptionKey } from '../../../server/security/tokenCipher.js';
import { waitForGo } from '../childProcesses.js';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const memberId = required('MEMBER_ID');
const userId = Number(required('USER_ID'));
const calls = Number(required('CALLS'));
const refreshMs = Number(required('REFRESH_MS'));
const mode = required('MODE');

const appDb = await openDatabase(required('DATABASE_URL'), { poolSize: 4 });
const store = createPortalStore(appDb, createTokenCipher(parseEncryptionKey(required('TOKEN_KEY'))));
process.stdout.write('ready\n');
await waitForGo();

let refreshes = 0;
let sawFresh = 0;
const fresh = () => ({
  accessToken: `fresh-access-${process.pid}`,
  refreshToken: `fresh-refresh-${process.pid}`,
  expiresAt: Date.now() + 3_600_000,
});
const needsRefresh = (current: UserTokens | null) => {
  if (!current) throw new Error('no tokens stored');
  return current.expiresAt <= Date.now();
};

await Promise.all(
  Array.from({ length: calls }, async () => {
    if (mode === 'naive') {
      const current = await store.getUserTokens(memberId, userId);
      if (needsRefresh(current)) {
        await sleep(refreshMs);
        refreshes += 1;
        await store.saveUserTokens(memberId, userId, { ...fresh(), scope: 'pull', isAdmin: true });
      } else sawFresh += 1;
      return;
    }
    await store.withUserTokenLock(memberId, userId, async (current, save) => {
      if (needsRefresh(current)) {
        await sleep(refreshMs);
        refreshes += 1;
        await save(fresh());
      } else sawFresh += 1;
    });
  }),
);
await appDb.close();
process.stdout.write(`${JSON.stringify({ pid: process.pid, refreshes, sawFresh })}\n`);
