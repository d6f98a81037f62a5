import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTokenCipher, generateEncryptionKey, TokenCipherError } from '../security/tokenCipher.js';
import { createPortalStore, LockTimeoutError, PortalNotFoundError, type PortalStore, type UpsertPortalInput, type UserTokens } from './portalStore.js';
import { forEachDatabase, type TestDatabase } from '../../test/support/databases.js';
import { runContenders } from '../../test/support/childProcesses.js';

const key = generateEncryptionKey();
const cipher = createTokenCipher(key);

function portalInput(memberId: string, overrides: Partial<UpsertPortalInput> = {}): UpsertPortalInput {
  return {
    memberId,
    domain: 'oauth.bitrix.info',
    clientEndpoint: `https://${memberId}.bitrix24.com/rest/`,
    serverEndpoint: 'https://oauth.bitrix.info/rest/',
    appName: 'Team Push',
    ...overrides,
  };
}

/** A fresh member_id per test: the suite shares one database per dialect. */
const newMemberId = () => `m${randomUUID().replace(/-/g, '')}`;

const secret = (label: string) => `${label}-${randomUUID()}`;

forEachDatabase('portal store', (getDb) => {
  let store: PortalStore;
  let db: TestDatabase;
  beforeAll(() => {
    db = getDb();
    store = createPortalStore(db.appDb, cipher);
  });

  async function rawPortal(memberId: string) {
    return db.appDb.db.selectFrom('portals').selectAll().where('member_id', '=', memberId).executeTakeFirstOrThrow();
  }
  async function rawUser(memberId: string, userId: number) {
    return db.appDb.db.selectFrom('portal_users').selectAll().where('member_id', '=', memberId).where('user_id', '=', userId).executeTakeFirstOrThrow();
  }

  describe('portals', () => {
    it('round-trips a portal: create, read, finish install, set token, uninstall, delete', async () => {
      const memberId = newMemberId();
      expect(await store.getPortal(memberId)).toBeNull();

      const created = await store.upsertPortal(portalInput(memberId));
      expect(created).toMatchObject({
        memberId,
        domain: 'oauth.bitrix.info',
        clientEndpoint: `https://${memberId}.bitrix24.com/rest/`,
        serverEndpoint: 'https://oauth.bitrix.info/rest/',
        appName: 'Team Push',
        applicationToken: null,
        installState: 'new',
        installFinishedAt: null,
      });
      expect(created.createdAt).toBeTypeOf('number');
      expect(await store.getPortal(memberId)).toEqual(created);

      expect(await store.markInstallFinished(memberId)).toBe(true);
      const installed = await store.getPortal(memberId);
      expect(installed?.installState).toBe('installed');
      expect(installed?.installFinishedAt).toBeTypeOf('number');

      const appToken = secret('apptoken');
      expect(await store.setApplicationToken(memberId, appToken)).toBe(true);
      expect((await store.getPortal(memberId))?.applicationToken).toBe(appToken);

      expect(await store.markUninstalled(memberId)).toBe(true);
      expect((await store.getPortal(memberId))?.installState).toBe('uninstalled');

      expect(await store.deletePortal(memberId)).toBe(true);
      expect(await store.getPortal(memberId)).toBeNull();
      expect(await store.deletePortal(memberId)).toBe(false);
    });

    it('upsert updates endpoints, domain and app name, keeps state, creation time and application token', async () => {
      let clock = 1_700_000_000_000;
      const timed = createPortalStore(db.appDb, cipher, { now: () => clock });
      const memberId = newMemberId();
      const appToken = secret('apptoken');
      await timed.upsertPortal(portalInput(memberId, { applicationToken: appToken }));
      await timed.markInstallFinished(memberId);
      clock += 5000;
      const renamed = await timed.upsertPortal(portalInput(memberId, { clientEndpoint: 'https://renamed.bitrix24.com/rest/', appName: 'Team Push 2' }));
      expect(renamed).toMatchObject({
        clientEndpoint: 'https://renamed.bitrix24.com/rest/',
        appName: 'Team Push 2',
        installState: 'installed',
        installFinishedAt: 1_700_000_000_000,
        applicationToken: appToken,
        createdAt: 1_700_000_000_000,
        updatedAt: 1_700_000_005_000,
      });
      const replacement = secret('apptoken2');
      expect((await timed.upsertPortal(portalInput(memberId, { applicationToken: replacement }))).applicationToken).toBe(replacement);
    });

    it('repeated install finish changes nothing; an uninstalled portal is not revived by a late one', async () => {
      let clock = 1_700_000_000_000;
      const timed = createPortalStore(db.appDb, cipher, { now: () => clock });
      const memberId = newMemberId();
      await timed.upsertPortal(portalInput(memberId));
      await timed.markInstallFinished(memberId);
      clock += 1000;
      expect(await timed.markInstallFinished(memberId)).toBe(true);
      expect((await timed.getPortal(memberId))?.installFinishedAt).toBe(1_700_000_000_000);

      await timed.markUninstalled(memberId);
      expect(await timed.markInstallFinished(memberId)).toBe(false);
      expect((await timed.getPortal(memberId))?.installState).toBe('uninstalled');
      expect(await timed.markInstallFinished(newMemberId())).toBe(false);
    });

    it('a reinstall after uninstall starts over as new and forgets the old application token', async () => {
      const memberId = newMemberId();
      await store.upsertPortal(portalInput(memberId, { applicationToken: secret('old') }));
      await store.markInstallFinished(memberId);
      await store.markUninstalled(memberId);
      const again = await store.upsertPortal(portalInput(memberId));
      expect(again).toMatchObject({ installState: 'new', installFinishedAt: null, applicationToken: null });
      const fresh = secret('new');
      const withToken = await store.upsertPortal(portalInput(memberId, { applicationToken: fresh }));
      expect(withToken.applicationToken).toBe(fresh);
    });

    it('lists portals for operators with their state and live admins, unfinished installs included', async () => {
      const unfinished = newMemberId();
      const finished = newMemberId();
      await store.upsertPortal(portalInput(unfinished));
      await store.upsertPortal({ ...portalInput(finished), appStatus: 'T' });
      await store.upsertPortal(portalInput(finished)); // an answer without a status keeps the known one
      await store.markInstallFinished(finished);
      const tokens = { accessToken: secret('a'), refreshToken: secret('r'), expiresAt: Date.now() + 3_600_000, scope: 'pull', isAdmin: true };
      await store.saveUserTokens(finished, 1, tokens);
      await store.saveUserTokens(finished, 2, tokens);
      await store.saveUserTokens(finished, 3, { ...tokens, isAdmin: false });
      await store.markTokensDead(finished, 2);
      const overview = await store.listPortals();
      expect(overview.find((p) => p.memberId === unfinished)).toMatchObject({ installState: 'new', installFinishedAt: null, liveAdmins: 0 });
      expect(overview.find((p) => p.memberId === finished)).toMatchObject({ installState: 'installed', appStatus: 'T', liveAdmins: 1, uninstallReportedAt: null });
      await store.reportUninstall(finished, { clean: true, at: 1_234, nextCheckAt: 61_234 });
      expect((await store.listPortals()).find((p) => p.memberId === finished)).toMatchObject({ installState: 'installed', uninstallReportedAt: 1_234 });
      expect(JSON.stringify(overview)).not.toContain(tokens.accessToken);
    });

    it('methods on an unknown portal say so instead of failing', async () => {
      const memberId = newMemberId();
      expect(await store.setApplicationToken(memberId, 'x')).toBe(false);
      expect(await store.markUninstalled(memberId)).toBe(false);
      expect(await store.getUserTokens(memberId, 1)).toBeNull();
      expect(await store.listLiveAdmins(memberId)).toEqual([]);
      expect(await store.markTokensDead(memberId, 1)).toBe(false);
      await expect(
        store.saveUserTokens(memberId, 1, { accessToken: 'a', refreshToken: 'r', expiresAt: Date.now(), scope: '', isAdmin: true }),
      ).rejects.toBeInstanceOf(PortalNotFoundError);
    });

    it('stores the application token encrypted, never in plaintext', async () => {
      const memberId = newMemberId();
      const appToken = secret('apptoken');
      await store.upsertPortal(portalInput(memberId, { applicationToken: appToken }));
      const row = await rawPortal(memberId);
      expect(row.application_token).toMatch(/^v1\./);
      expect(row.application_token).not.toContain(appToken);
      expect(JSON.stringify(row)).not.toContain(appToken);
      expect((await store.getPortal(memberId))?.applicationToken).toBe(appToken);
    });
  });

  describe('user tokens', () => {
    it('saves and reads a user\'s tokens, encrypted at rest', async () => {
      const memberId = newMemberId();
      await store.upsertPortal(portalInput(memberId));
      const accessToken = secret('access');
      const refreshToken = secret('refresh');
      const expiresAt = Date.now() + 3_600_000;
      const saved = await store.saveUserTokens(memberId, 7, { accessToken, refreshToken, expiresAt, scope: 'pull,user_brief', isAdmin: true });
      expect(saved).toMatchObject({ memberId, userId: 7, accessToken, refreshToken, expiresAt, scope: 'pull,user_brief', isAdmin: true, tokenState: 'live' });
      expect(await store.getUserTokens(memberId, 7)).toEqual(saved);

      const row = await rawUser(memberId, 7);
      const raw = JSON.stringify(row);
      expect(raw).not.toContain(accessToken);
      expect(raw).not.toContain(refreshToken);
      expect(row.access_token).toMatch(/^v1\./);
      expect(row.refresh_token).toMatch(/^v1\./);
      expect(row.is_admin).toBe(1);
      expect(row.expires_at).toBe(expiresAt);
    });

    it('a token copied into another user\'s row does not decrypt (values are bound to their row)', async () => {
      const memberId = newMemberId();
      await store.upsertPortal(portalInput(memberId));
      const base = { expiresAt: Date.now(), scope: '', isAdmin: false };
      await store.saveUserTokens(memberId, 1, { ...base, accessToken: secret('a1'), refreshToken: secret('r1') });
      await store.saveUserTokens(memberId, 2, { ...base, accessToken: secret('a2'), refreshToken: secret('r2') });
      const victim = await rawUser(memberId, 1);
      await db.appDb.db.updateTable('portal_users').set({ access_token: victim.access_token }).where('member_id', '=', memberId).where('user_id', '=', 2).execute();
      await expect(store.getUserTokens(memberId, 2)).rejects.toBeInstanceOf(TokenCipherError);
    });

    it('a store with another key cannot read the tokens, and says why', async () => {
      const memberId = newMemberId();
      await store.upsertPortal(portalInput(memberId));
      await store.saveUserTokens(memberId, 3, { accessToken: secret('a'), refreshToken: secret('r'), expiresAt: Date.now(), scope: '', isAdmin: false });
      const stranger = createPortalStore(db.appDb, createTokenCipher(generateEncryptionKey()));
      await expect(stranger.getUserTokens(memberId, 3)).rejects.toThrow(/different key/);
    });

    it('replaces tokens on a second save, revives dead tokens, and lists live admins freshest first', async () => {
      let clock = 1_700_000_000_000;
      const timed = createPortalStore(db.appDb, cipher, { now: () => clock });
      const memberId = newMemberId();
      await timed.upsertPortal(portalInput(memberId));
      const tokens = (isAdmin: boolean) => ({ accessToken: secret('a'), refreshToken: secret('r'), expiresAt: clock + 3_600_000, scope: 'pull', isAdmin });
      await timed.saveUserTokens(memberId, 1, tokens(true));
      clock += 10;
      await timed.saveUserTokens(memberId, 2, tokens(false));
      clock += 10;
      await timed.saveUserTokens(memberId, 3, tokens(true));
      clock += 10;
      await timed.saveUserTokens(memberId, 4, tokens(true));
      expect((await timed.listLiveAdmins(memberId)).map((t) => t.userId)).toEqual([4, 3, 1]);

      expect(await timed.markTokensDead(memberId, 3)).toBe(true);
      expect((await timed.getUserTokens(memberId, 3))?.tokenState).toBe('dead');
      expect((await timed.listLiveAdmins(memberId)).map((t) => t.userId)).toEqual([4, 1]);

      clock += 10;
      const replacement = tokens(true);
      await timed.saveUserTokens(memberId, 1, replacement);
      const admins = await timed.listLiveAdmins(memberId);
      expect(admins.map((t) => t.userId)).toEqual([1, 4]);
      expect(admins[0]).toMatchObject({ accessToken: replacement.accessToken, refreshToken: replacement.refreshToken });

      clock += 10;
      await timed.saveUserTokens(memberId, 3, tokens(true));
      expect((await timed.getUserTokens(memberId, 3))?.tokenState).toBe('live');
      await timed.saveUserTokens(memberId, 4, tokens(false)); // no longer an admin
      expect((await timed.listLiveAdmins(memberId)).map((t) => t.userId)).toEqual([3, 1]);
      // Another portal's admins are not listed.
      expect(await timed.listLiveAdmins(newMemberId())).toEqual([]);
    });

    it("uninstall leaves every user's tokens as they are (a mistaken one must not kill the other admins' authorization)", async () => {
      const memberId = newMemberId();
      await store.upsertPortal(portalInput(memberId));
      await store.saveUserTokens(memberId, 1, { accessToken: secret('a'), refreshToken: secret('r'), expiresAt: Date.now(), scope: '', isAdmin: true });
      await store.saveUserTokens(memberId, 2, { accessToken: secret('a'), refreshToken: secret('r'), expiresAt: Date.now(), scope: '', isAdmin: true });
      await store.markTokensDead(memberId, 1);
      expect(await store.markUninstalled(memberId)).toBe(true);
      expect((await store.getUserTokens(memberId, 1))?.tokenState).toBe('dead');
      expect((await store.getUserTokens(memberId, 2))?.tokenState).toBe('live');
      expect(await store.restoreInstalled(memberId)).toBe(true);
      expect((await store.listLiveAdmins(memberId)).map((admin) => admin.userId)).toEqual([2]);
    });

    it('lists stored admins, live or dead, most recently updated first, at most the limit asked', async () => {
      const memberId = newMemberId();
      await store.upsertPortal(portalInput(memberId));
      for (const userId of [1, 2, 3, 4]) {
        await store.saveUserTokens(memberId, userId, { accessToken: secret('a'), refreshToken: secret('r'), expiresAt: Date.now(), scope: '', isAdmin: userId !== 4 });
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await store.markTokensDead(memberId, 3);
      expect((await store.listStoredAdmins(memberId, 10)).map((admin) => [admin.userId, admin.tokenState])).toEqual([[3, 'dead'], [2, 'live'], [1, 'live']]);
      expect((await store.listStoredAdmins(memberId, 2)).map((admin) => admin.userId)).toEqual([3, 2]);
    });

    it('deleting a portal deletes its users\' tokens (cascade), and only its own', async () => {
      const memberId = newMemberId();
      const other = newMemberId();
      await store.upsertPortal(portalInput(memberId));
      await store.upsertPortal(portalInput(other));
      for (const userId of [1, 2, 3]) {
        await store.saveUserTokens(memberId, userId, { accessToken: secret('a'), refreshToken: secret('r'), expiresAt: Date.now(), scope: '', isAdmin: true });
      }
      await store.saveUserTokens(other, 1, { accessToken: secret('a'), refreshToken: secret('r'), expiresAt: Date.now(), scope: '', isAdmin: true });
      expect(await store.deletePortal(memberId)).toBe(true);
      const left = await db.appDb.db.selectFrom('portal_users').select('user_id').where('member_id', '=', memberId).execute();
      expect(left).toEqual([]);
      expect(await store.getUserTokens(other, 1)).not.toBeNull();
    });

    it('rejects nonsense arguments before touching the database', async () => {
      await expect(store.saveUserTokens('', 1, { accessToken: 'a', refreshToken: 'r', expiresAt: 1, scope: '', isAdmin: false })).rejects.toThrow(TypeError);
      await expect(store.saveUserTokens('m', 0, { accessToken: 'a', refreshToken: 'r', expiresAt: 1, scope: '', isAdmin: false })).rejects.toThrow(TypeError);
      await expect(store.saveUserTokens('m', 1, { accessToken: '', refreshToken: 'r', expiresAt: 1, scope: '', isAdmin: false })).rejects.toThrow(TypeError);
      await expect(store.withUserTokenLock('m', 1.5, async () => 1)).rejects.toThrow(TypeError);
    });
  });

  describe('withUserTokenLock', () => {
    async function seedExpired(memberId: string, userId: number): Promise<void> {
      await store.upsertPortal(portalInput(memberId));
      await store.saveUserTokens(memberId, userId, {
        accessToken: secret('stale-access'),
        refreshToken: secret('stale-refresh'),
        expiresAt: Date.now() - 1000,
        scope: 'pull',
        isAdmin: true,
      });
    }

    /** The caller's refresh logic: refresh when expired, otherwise use what is stored. */
    function refreshingCaller(target: PortalStore, memberId: string, userId: number, counter: { refreshes: number }) {
      return target.withUserTokenLock(memberId, userId, async (current, save) => {
        if (!current) throw new Error('no tokens');
        if (current.expiresAt <= Date.now()) {
          await sleep(50);
          counter.refreshes += 1;
          const next = await save({ accessToken: `fresh-access-${counter.refreshes}`, refreshToken: `fresh-refresh-${counter.refreshes}`, expiresAt: Date.now() + 3_600_000 });
          return next.accessToken;
        }
        return current.accessToken;
      });
    }

    it('control: without the lock, 50 concurrent callers all refresh (the race the lock prevents is real)', async () => {
      const memberId = newMemberId();
      await seedExpired(memberId, 1);
      let refreshes = 0;
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          const current = await store.getUserTokens(memberId, 1);
          if (current && current.expiresAt <= Date.now()) {
            await sleep(50);
            refreshes += 1;
            await store.saveUserTokens(memberId, 1, { accessToken: secret('a'), refreshToken: secret('r'), expiresAt: Date.now() + 3_600_000, scope: 'pull', isAdmin: true });
          }
        }),
      );
      expect(refreshes).toBeGreaterThan(1);
    });

    it('50 concurrent callers in one process: exactly one refreshes, the others see the new tokens', async () => {
      const memberId = newMemberId();
      await seedExpired(memberId, 1);
      const counter = { refreshes: 0 };
      const seen = await Promise.all(Array.from({ length: 50 }, () => refreshingCaller(store, memberId, 1, counter)));
      expect(counter.refreshes).toBe(1);
      expect(new Set(seen)).toEqual(new Set(['fresh-access-1']));
      const stored = await store.getUserTokens(memberId, 1);
      expect(stored).toMatchObject({ accessToken: 'fresh-access-1', refreshToken: 'fresh-refresh-1', scope: 'pull', isAdmin: true, tokenState: 'live' });
    });

    it('two stores on one database handle share the lock', async () => {
      const memberId = newMemberId();
      await seedExpired(memberId, 1);
      const second = createPortalStore(db.appDb, cipher);
      const counter = { refreshes: 0 };
      await Promise.all(Array.from({ length: 20 }, (_, i) => refreshingCaller(i % 2 ? store : second, memberId, 1, counter)));
      expect(counter.refreshes).toBe(1);
    });

    it('locks per (portal, user): different users refresh in parallel', async () => {
      const memberId = newMemberId();
      await seedExpired(memberId, 1);
      await seedExpired(memberId, 2);
      const started: number[] = [];
      let inside = 0;
      let maxInside = 0;
      await Promise.all(
        [1, 2].map((userId) =>
          store.withUserTokenLock(memberId, userId, async () => {
            started.push(userId);
            inside += 1;
            maxInside = Math.max(maxInside, inside);
            await sleep(100);
            inside -= 1;
          }),
        ),
      );
      expect(maxInside).toBe(2);
    });

    it('a saved pair survives an error thrown later in fn; the error reaches the caller', async () => {
      const memberId = newMemberId();
      await seedExpired(memberId, 1);
      const failure = new Error('the push after the refresh failed');
      await expect(
        store.withUserTokenLock(memberId, 1, async (_current, save) => {
          await save({ accessToken: 'kept-access', refreshToken: 'kept-refresh', expiresAt: Date.now() + 1000 });
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect(await store.getUserTokens(memberId, 1)).toMatchObject({ accessToken: 'kept-access', refreshToken: 'kept-refresh', scope: 'pull', isAdmin: true });
    });

    it('markDead under the lock (invalid_grant), and save after release is refused', async () => {
      const memberId = newMemberId();
      await seedExpired(memberId, 1);
      let escapedSave: ((tokens: { accessToken: string; refreshToken: string; expiresAt: number }) => Promise<UserTokens>) | undefined;
      await store.withUserTokenLock(memberId, 1, async (_current, save, controls) => {
        escapedSave = save;
        await controls.markDead();
      });
      expect((await store.getUserTokens(memberId, 1))?.tokenState).toBe('dead');
      await expect(escapedSave!({ accessToken: 'late', refreshToken: 'late', expiresAt: 1 })).rejects.toThrow(/after the lock was released/);
      expect((await store.getUserTokens(memberId, 1))?.tokenState).toBe('dead');
    });

    it('gives null to fn when the user has no tokens, and save creates them', async () => {
      const memberId = newMemberId();
      await store.upsertPortal(portalInput(memberId));
      const result = await store.withUserTokenLock(memberId, 9, async (current, save) => {
        expect(current).toBeNull();
        return save({ accessToken: 'first-a', refreshToken: 'first-r', expiresAt: 5, scope: 'pull', isAdmin: true });
      });
      expect(result).toMatchObject({ userId: 9, isAdmin: true, scope: 'pull' });
      expect((await store.getUserTokens(memberId, 9))?.accessToken).toBe('first-a');
    });

    it('a waiter gives up after lockTimeoutMs with a LockTimeoutError', async () => {
      const memberId = newMemberId();
      await seedExpired(memberId, 1);
      const impatient = createPortalStore(db.appDb, cipher, { lockTimeoutMs: 100 });
      let release!: () => void;
      const held = store.withUserTokenLock(memberId, 1, () => new Promise<void>((resolve) => (release = resolve)));
      await sleep(20);
      await expect(impatient.withUserTokenLock(memberId, 1, async () => 'never')).rejects.toBeInstanceOf(LockTimeoutError);
      release();
      await held;
      expect(await impatient.withUserTokenLock(memberId, 1, async () => 'now')).toBe('now');
    });
  });
});

forEachDatabase(
  'token lock across processes',
  (getDb) => {
    const CALLS = 10;

    async function contend(mode: 'lock' | 'naive') {
      const { appDb, url } = getDb();
      const store = createPortalStore(appDb, cipher);
      const memberId = newMemberId();
      await store.upsertPortal(portalInput(memberId));
      await store.saveUserTokens(memberId, 5, { accessToken: secret('stale-a'), refreshToken: secret('stale-r'), expiresAt: Date.now() - 1000, scope: 'pull', isAdmin: true });
      const env = { DATABASE_URL: url, TOKEN_KEY: key.toBase64(), MEMBER_ID: memberId, USER_ID: '5', CALLS: String(CALLS), REFRESH_MS: '300', MODE: mode };
      const results = await runContenders<{ pid: number; refreshes: number; sawFresh: number }>('tokenLockContender.ts', [env, env]);
      return { store, memberId, results };
    }

    it('control: without the lock, two processes both refresh', async () => {
      const { results } = await contend('naive');
      expect(results.reduce((sum, r) => sum + r.refreshes, 0)).toBeGreaterThan(1);
    });

    it('two processes with 10 callers each: exactly one refresh in all, every other caller sees the new pair', async () => {
      const { store, memberId, results } = await contend('lock');
      const refreshes = results.reduce((sum, r) => sum + r.refreshes, 0);
      expect(refreshes).toBe(1);
      expect(results.reduce((sum, r) => sum + r.sawFresh, 0)).toBe(2 * CALLS - 1);
      const winner = results.find((r) => r.refreshes === 1);
      expect(await store.getUserTokens(memberId, 5)).toMatchObject({
        accessToken: `fresh-access-${winner?.pid}`,
        refreshToken: `fresh-refresh-${winner?.pid}`,
        tokenState: 'live',
      });
    });
  },
  { only: ['postgres'] },
);
