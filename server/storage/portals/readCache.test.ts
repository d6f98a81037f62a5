import { randomUUID } from 'node:crypto';
import { beforeAll, expect, it } from 'vitest';
import { createTokenCipher, generateEncryptionKey } from '../../security/tokenCipher.js';
import { createPortalStore, type PortalStore } from '../portalStore.js';
import { forEachDatabase, type TestDatabase } from '../../../test/support/databases.js';
import { PORTAL_READ_CACHE_TTL_MS } from './readCache.js';

/**
 * This process's copy of portal rows and tokens: its own writes are seen at once, another process's
 * within the TTL, and the copy saves the statements it exists to save. Two stores on one database
 * stand for two processes.
 */

const cipher = createTokenCipher(generateEncryptionKey());
const newMemberId = () => `m${randomUUID().replace(/-/g, '')}`;
const tokensFor = (label: string) => ({ accessToken: `${label}-access`, refreshToken: `${label}-refresh`, expiresAt: Date.UTC(2030, 0, 1), scope: 'pull', isAdmin: true });

forEachDatabase('portal read cache', (getDb) => {
  let db: TestDatabase;
  let clock = 1_000_000;
  let here: PortalStore;
  let elsewhere: PortalStore;

  beforeAll(() => {
    db = getDb();
    here = createPortalStore(db.appDb, cipher, { now: () => clock });
    elsewhere = createPortalStore(db.appDb, cipher, { now: () => clock });
  });

  async function installed(): Promise<string> {
    const memberId = newMemberId();
    await here.upsertPortal({ memberId, domain: 'example.bitrix24.com', clientEndpoint: 'https://example.bitrix24.com/rest/', serverEndpoint: 'https://oauth.bitrix.info/rest/', appName: 'Team Push' });
    await here.markInstallFinished(memberId);
    await here.saveUserTokens(memberId, 7, tokensFor('first'));
    return memberId;
  }

  const statementsDuring = async (act: () => Promise<unknown>) => {
    const before = db.appDb.statements.executed;
    await act();
    return db.appDb.statements.executed - before;
  };

  it('reads a portal and a user’s tokens once, then from the copy', async () => {
    const memberId = await installed();
    await here.getPortal(memberId);
    await here.getUserTokens(memberId, 7);
    expect(await statementsDuring(() => Promise.all([here.getPortal(memberId), here.getUserTokens(memberId, 7)]))).toBe(0);
    clock += PORTAL_READ_CACHE_TTL_MS + 1;
    expect(await statementsDuring(() => here.getPortal(memberId))).toBe(1);
  });

  it('a portal uninstalled with CLEAN in this process is never served from the copy, nor after its purge', async () => {
    const memberId = await installed();
    expect(await here.getPortal(memberId)).toMatchObject({ installState: 'installed' });
    expect(await here.getUserTokens(memberId, 7)).toMatchObject({ tokenState: 'live' });

    expect(await here.markUninstalled(memberId, { purgeAfter: clock + 1 })).toBe(true);
    expect(await here.getPortal(memberId)).toMatchObject({ installState: 'uninstalled', purgeAfter: clock + 1 });

    clock += 2;
    expect(await here.purgeUninstalled(clock)).toContain(memberId);
    expect(await here.getPortal(memberId)).toBeNull();
    expect(await here.getUserTokens(memberId, 7)).toBeNull();
  });

  it('tokens saved in this process, also under the token lock, are read back at once', async () => {
    const memberId = await installed();
    expect((await here.getUserTokens(memberId, 7))?.accessToken).toBe('first-access');
    await here.saveUserTokens(memberId, 7, tokensFor('second'));
    expect((await here.getUserTokens(memberId, 7))?.accessToken).toBe('second-access');
    await here.withUserTokenLock(memberId, 7, (_current, save) => save(tokensFor('third')));
    expect((await here.getUserTokens(memberId, 7))?.accessToken).toBe('third-access');
  });

  it('another process’s uninstall and refresh are seen here within the TTL, and the token lock reads the row itself', async () => {
    const memberId = await installed();
    expect(await here.getPortal(memberId)).toMatchObject({ installState: 'installed' });
    expect((await here.getUserTokens(memberId, 7))?.accessToken).toBe('first-access');

    await elsewhere.withUserTokenLock(memberId, 7, (_current, save) => save(tokensFor('refreshed-elsewhere')));
    // The lock never works from the copy: a refresh here would find the pair the other process stored.
    expect(await here.withUserTokenLock(memberId, 7, async (current) => current?.accessToken)).toBe('refreshed-elsewhere-access');

    expect(await here.getPortal(memberId)).toMatchObject({ installState: 'installed' });
    await elsewhere.markUninstalled(memberId);
    const seenBy = async () => (await here.getPortal(memberId))?.installState;
    clock += PORTAL_READ_CACHE_TTL_MS - 1;
    const stillCached = await seenBy();
    clock += 2;
    // The staleness the copy allows, and its end.
    expect([stillCached, await seenBy()]).toEqual(['installed', 'uninstalled']);
  });

  it('keeps no absent portal: one installed through another process is found at once', async () => {
    const memberId = newMemberId();
    expect(await here.getPortal(memberId)).toBeNull();
    await elsewhere.upsertPortal({ memberId, domain: 'late.bitrix24.com', clientEndpoint: 'https://late.bitrix24.com/rest/', serverEndpoint: 'https://oauth.bitrix.info/rest/', appName: 'Team Push' });
    expect(await here.getPortal(memberId)).toMatchObject({ memberId, installState: 'new' });
  });

  it('a read that raced with a write of the same portal is not kept', async () => {
    const memberId = await installed();
    const reading = here.getPortal(memberId);
    await here.markUninstalled(memberId);
    await reading;
    expect(await here.getPortal(memberId)).toMatchObject({ installState: 'uninstalled' });
  });
});
