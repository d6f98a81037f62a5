import { LRUCache } from 'lru-cache';
import type { Portal, PortalStore, UserTokens } from '../portalStore.js';

/**
 * A short-lived per-process copy of the rows every request reads: portal records and users' tokens.
 * Without it every API request and every REST call made for a portal costs database round trips
 * (issue 14: a search read the portal row, then the tokens, then the portal row again).
 *
 * Staleness it allows, and why each is safe:
 * - This process's own writes (every write method of the store, the token lock included) drop the
 *   entries of that portal before they return, so the process never reads back older data than it wrote:
 *   a portal uninstalled here (CLEAN or not) is never served from the cache afterwards.
 * - Another process's writes are seen within `ttlMs` (default 5 s): an uninstall or a reinstall there
 *   is noticed here at most that late. A token pair refreshed there is used here at most that late; if
 *   Bitrix24 refuses the older access token meanwhile, the gateway's refresh runs under the token lock,
 *   which reads the row itself (never from here), finds the newer pair and uses it without redeeming
 *   anything (portalGateway.ts `renewed`).
 * - Absent rows are not kept: a portal installed through another process is found at once.
 * A read that raced with a write of the same portal is not kept either (a generation per portal).
 */

export const PORTAL_READ_CACHE_TTL_MS = 5_000;
const MAX_ENTRIES = 20_000;

export interface ReadCacheOptions {
  ttlMs?: number;
  now?: () => number;
}

export function withReadCache(store: PortalStore, options: ReadCacheOptions = {}): PortalStore {
  const now = options.now ?? Date.now;
  const ttl = options.ttlMs ?? PORTAL_READ_CACHE_TTL_MS;
  if (ttl <= 0) return store;
  // ttlResolution 0: the injected clock is asked on every look (tests move it without waiting).
  const portals = new LRUCache<string, Portal>({ max: MAX_ENTRIES, ttl, ttlResolution: 0, perf: { now } });
  const tokens = new LRUCache<string, UserTokens>({ max: MAX_ENTRIES, ttl, ttlResolution: 0, perf: { now } });
  const generations = new Map<string, number>();
  const generationOf = (memberId: string) => generations.get(memberId) ?? 0;
  const tokenKey = (memberId: string, userId: number) => `${memberId}\n${userId}`;

  function forget(memberId: string): void {
    generations.set(memberId, generationOf(memberId) + 1);
    portals.delete(memberId);
    for (const key of tokens.keys()) if (key.startsWith(`${memberId}\n`)) tokens.delete(key);
  }

  function forgetEverything(): void {
    for (const memberId of generations.keys()) generations.set(memberId, generationOf(memberId) + 1);
    portals.clear();
    tokens.clear();
  }

  /** Runs a write and forgets the portal afterwards, whatever the write's outcome (it may have committed). */
  async function writing<T>(memberId: string, write: () => Promise<T>): Promise<T> {
    forget(memberId);
    try {
      return await write();
    } finally {
      forget(memberId);
    }
  }

  async function reading<T extends object>(cache: LRUCache<string, T>, key: string, memberId: string, read: () => Promise<T | null>): Promise<T | null> {
    const cached = cache.get(key);
    if (cached) return cached;
    const generation = generationOf(memberId);
    const row = await read();
    if (row && generation === generationOf(memberId)) cache.set(key, row);
    return row;
  }

  return {
    ...store,
    getPortal: (memberId) => reading(portals, memberId, memberId, () => store.getPortal(memberId)),
    getUserTokens: (memberId, userId) => reading(tokens, tokenKey(memberId, userId), memberId, () => store.getUserTokens(memberId, userId)),
    upsertPortal: (input) => writing(input.memberId, () => store.upsertPortal(input)),
    markInstallFinished: (memberId) => writing(memberId, () => store.markInstallFinished(memberId)),
    setApplicationToken: (memberId, applicationToken) => writing(memberId, () => store.setApplicationToken(memberId, applicationToken)),
    markUninstalled: (memberId, purge) => writing(memberId, () => store.markUninstalled(memberId, purge)),
    reportUninstall: (memberId, report) => writing(memberId, () => store.reportUninstall(memberId, report)),
    clearUninstallReport: (memberId) => writing(memberId, () => store.clearUninstallReport(memberId)),
    claimUninstallRecheck: (memberId, seen, nextCheckAt) => writing(memberId, () => store.claimUninstallRecheck(memberId, seen, nextCheckAt)),
    restoreInstalled: (memberId) => writing(memberId, () => store.restoreInstalled(memberId)),
    deletePortal: (memberId) => writing(memberId, () => store.deletePortal(memberId)),
    saveUserTokens: (memberId, userId, input) => writing(memberId, () => store.saveUserTokens(memberId, userId, input)),
    markTokensDead: (memberId, userId) => writing(memberId, () => store.markTokensDead(memberId, userId)),
    withUserTokenLock: (memberId, userId, fn) => writing(memberId, () => store.withUserTokenLock(memberId, userId, fn)),
    async purgeUninstalled(at) {
      try {
        return await store.purgeUninstalled(at);
      } finally {
        forgetEverything();
      }
    },
    async reencryptTokens() {
      try {
        return await store.reencryptTokens();
      } finally {
        forgetEverything();
      }
    },
  };
}
