import type { TokenCipher } from '../security/tokenCipher.js';
import type { AppDatabase } from './database.js';
import { LockTimeoutError } from './keyedMutex.js';
import type { InstallState, TokenState } from './schema.js';
import { createKeyRotation } from './portals/keyRotation.js';
import { createPortalRecords } from './portals/portalRecords.js';
import { createTokenLock } from './portals/tokenLock.js';
import { withReadCache } from './portals/readCache.js';
import { createTokenRows, createUserTokenStore, PortalNotFoundError } from './portals/userTokens.js';

/**
 * The portals and their users' OAuth tokens, keyed by Bitrix24 `member_id`.
 *
 * Secrets (application token, access and refresh tokens) are encrypted with the TokenCipher on write
 * and decrypted on read, here (in portals/) and nowhere else: callers never see ciphertext, the
 * database never sees plaintext. Each value is bound to its row (cipher context), so a value copied
 * into another row does not decrypt. This module logs nothing.
 *
 * Install state machine: `upsertPortal` creates a portal as `new` (the install POST);
 * `markInstallFinished` moves it to `installed` (ONAPPINSTALL / installFinish; repeating it changes
 * nothing); `markUninstalled` moves it to `uninstalled` (its users' tokens untouched), with a
 * `purgeAfter` time when its data is to be deleted (CLEAN); a later `upsertPortal` (reinstall) brings it
 * back to `new`, forgetting the old application token, and `restoreInstalled` (an admin opened the app
 * and Bitrix24 vouched for it) back to `installed`; either cancels the purge. `purgeUninstalled`
 * deletes the portals whose purge time has come.
 *
 * This file holds the types and the one facade, `createPortalStore`; the work is in portals/:
 * portalRecords.ts (portal records, install state machine), userTokens.ts (users' tokens and their
 * encryption mapping), tokenLock.ts (the cross-process token lock), keyRotation.ts (reencryptTokens),
 * cipherContexts.ts (the row each secret is bound to), readCache.ts (this process's short-lived copy of
 * portal rows and tokens, and the staleness it allows).
 */

export interface Portal {
  memberId: string;
  domain: string;
  clientEndpoint: string;
  serverEndpoint: string;
  /** Decrypted; null until known. */
  applicationToken: string | null;
  installState: InstallState;
  appName: string;
  /** The app's status on the portal from the OAuth server (L, F, D, T, P); null until known. */
  appStatus: string | null;
  installFinishedAt: number | null;
  /** Uninstalled with CLEAN: its data is deleted after this time (epoch ms). */
  purgeAfter: number | null;
  /** An ONAPPUNINSTALL Bitrix24 did not confirm yet, to be checked again (decision 0015); null when none. */
  uninstallReport: UninstallReport | null;
  createdAt: number;
  updatedAt: number;
}

export interface UninstallReport {
  /** When the first unconfirmed report arrived (epoch ms). */
  reportedAt: number;
  /** Whether every report asked to delete the data (CLEAN); one asking to keep it makes this false. */
  clean: boolean;
}

export interface PendingUninstallReport extends UninstallReport {
  memberId: string;
  /** When it is next checked (epoch ms). */
  nextCheckAt: number;
}

export interface PortalOverview {
  memberId: string;
  domain: string;
  installState: InstallState;
  appStatus: string | null;
  installFinishedAt: number | null;
  createdAt: number;
  liveAdmins: number;
  /** An ONAPPUNINSTALL Bitrix24 has not confirmed yet, since then (epoch ms); null when none. */
  uninstallReportedAt: number | null;
}

export interface UpsertPortalInput {
  memberId: string;
  domain: string;
  clientEndpoint: string;
  serverEndpoint: string;
  appName: string;
  /** Omitted or null: keep the stored one. */
  appStatus?: string | null;
  /** Omitted or null: keep the stored one (a reinstall after uninstall clears it). */
  applicationToken?: string | null;
}

export interface UserTokens {
  memberId: string;
  userId: number;
  accessToken: string;
  refreshToken: string;
  /** Epoch ms. */
  expiresAt: number;
  scope: string;
  isAdmin: boolean;
  tokenState: TokenState;
  updatedAt: number;
}

export interface SaveUserTokensInput {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms when the access token expires. */
  expiresAt: number;
  scope: string;
  isAdmin: boolean;
}

/** What a refresh yields; scope and isAdmin, when omitted, keep their stored values. */
export interface RefreshedTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
  scope?: string;
  isAdmin?: boolean;
}

/** Writes the new pair (token_state becomes live) before the lock is released. */
export type SaveTokens = (tokens: RefreshedTokens) => Promise<UserTokens>;

export interface TokenLockControls {
  /** Marks the tokens dead (e.g. after `invalid_grant`), under the same lock. */
  markDead(): Promise<void>;
}

/**
 * Runs under the (portal, user) token lock. It must not use the database except through `save` and
 * `controls` (on PostgreSQL it holds a pooled connection in a transaction while it runs), must not take
 * the same lock again, and should bound its network calls with a timeout.
 */
export type TokenLockFn<T> = (current: UserTokens | null, save: SaveTokens, controls: TokenLockControls) => Promise<T>;

export interface ReencryptionReport {
  reencrypted: number;
  alreadyCurrent: number;
  unreadable: number;
}

export interface PortalStore {
  /** Creates the portal (`new`) or updates its endpoints, domain and app name. */
  upsertPortal(input: UpsertPortalInput): Promise<Portal>;
  getPortal(memberId: string): Promise<Portal | null>;
  /** Every portal with its count of admins holding live tokens (operators' overview; no secrets). */
  listPortals(): Promise<PortalOverview[]>;
  /** `new`/`installed` -> `installed`; keeps the first finish time. False if absent or uninstalled. */
  markInstallFinished(memberId: string): Promise<boolean>;
  /** False if the portal is absent. */
  setApplicationToken(memberId: string, applicationToken: string): Promise<boolean>;
  /**
   * `new`/`installed` -> `uninstalled` (users' tokens untouched), any uninstall report cleared;
   * `purgeAfter` (epoch ms) schedules the deletion of its data (null keeps it). False if absent or
   * already uninstalled. Only a verified reinstall or admin opening cancels the purge afterwards.
   */
  markUninstalled(memberId: string, options?: { purgeAfter?: number | null }): Promise<boolean>;
  /**
   * Keeps an unconfirmed ONAPPUNINSTALL, received `at` (epoch ms), to check again from `nextCheckAt`: the
   * first report's times stay, and `clean` only ever goes from true to false. False if absent or uninstalled.
   */
  reportUninstall(memberId: string, report: { clean: boolean; at: number; nextCheckAt: number }): Promise<boolean>;
  /** The app was found installed after all, or the report is too old: it goes. False if there was none. */
  clearUninstallReport(memberId: string): Promise<boolean>;
  /** Pending uninstall reports (of portals not uninstalled) due for a check by `dueBy`, the most overdue first, at most `limit`. */
  listUninstallReports(dueBy: number, limit: number): Promise<PendingUninstallReport[]>;
  /**
   * Takes a due report's next check: moves its time from `seen` to `nextCheckAt` only if nobody else moved
   * it first (one process checks it, whatever the number of processes). False when another did.
   */
  claimUninstallRecheck(memberId: string, seen: number, nextCheckAt: number): Promise<boolean>;
  /** `uninstalled` -> `installed` (the app evidently is), purge cancelled. False unless it was uninstalled. */
  restoreInstalled(memberId: string): Promise<boolean>;
  /** Deletes every uninstalled portal whose purge time is at or before `at`; returns their member ids. */
  purgeUninstalled(at: number): Promise<string[]>;
  /** Deletes the portal and (cascade) its users' tokens. False if absent. */
  deletePortal(memberId: string): Promise<boolean>;
  /** Stores a user's tokens (live), replacing earlier ones. Throws PortalNotFoundError without the portal. */
  saveUserTokens(memberId: string, userId: number, tokens: SaveUserTokensInput): Promise<UserTokens>;
  getUserTokens(memberId: string, userId: number): Promise<UserTokens | null>;
  /** Admins with live tokens, most recently updated first. */
  listLiveAdmins(memberId: string): Promise<UserTokens[]>;
  /** Admins with stored tokens, live or dead, most recently updated first, at most `limit`. */
  listStoredAdmins(memberId: string, limit: number): Promise<UserTokens[]>;
  /**
   * Key rotation: every stored token encrypted with a key other than the current one is decrypted
   * (with a previous key) and encrypted with the current key. Each value is replaced by a conditional
   * update, so a refresh racing with it wins and nothing is lost. `unreadable` counts values no
   * configured key can decrypt (left as they are).
   */
  reencryptTokens(): Promise<ReencryptionReport>;
  /** False if there are no tokens for that user. */
  markTokensDead(memberId: string, userId: number): Promise<boolean>;
  /**
   * Runs `fn(current, save, controls)` so that one call at a time per (portal, user) runs it: across
   * processes on PostgreSQL (transaction-scoped advisory lock; the row is read after the lock is held)
   * and across concurrent calls in this process (keyed mutex; on SQLite, which is single-process by
   * design, that is the lock). `save` writes the new pair atomically before the lock is released, and
   * stays written even if `fn` throws afterwards (a consumed refresh token must never be lost).
   * Waiting longer than `lockTimeoutMs` throws a LockTimeoutError.
   */
  withUserTokenLock<T>(memberId: string, userId: number, fn: TokenLockFn<T>): Promise<T>;
}

export interface PortalStoreOptions {
  /** Clock (epoch ms); tests may pin it. */
  now?: () => number;
  /** How long withUserTokenLock waits for the lock (default 30 s). */
  lockTimeoutMs?: number;
  /** How long portal rows and tokens are read from this process's copy (portals/readCache.ts; default 5 s, 0: never). */
  readCacheTtlMs?: number;
}

export function createPortalStore(appDb: AppDatabase, cipher: TokenCipher, options: PortalStoreOptions = {}): PortalStore {
  const { db } = appDb;
  const now = options.now ?? Date.now;
  const rows = createTokenRows(cipher, now);
  const store: PortalStore = {
    ...createPortalRecords(db, cipher, now),
    ...createUserTokenStore(db, rows),
    ...createKeyRotation(db, cipher),
    ...createTokenLock(appDb, rows, options.lockTimeoutMs ?? 30_000),
  };
  return withReadCache(store, { ttlMs: options.readCacheTtlMs, now });
}

export { LockTimeoutError, PortalNotFoundError };
