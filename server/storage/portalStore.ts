import { sql, type Kysely, type Selectable } from 'kysely';
import type { TokenCipher } from '../security/tokenCipher.js';
import { advisoryLockKey, type AppDatabase } from './database.js';
import { KeyedMutex, LockTimeoutError } from './keyedMutex.js';
import type { DatabaseSchema, InstallState, PortalUsersTable, PortalsTable, TokenState } from './schema.js';

/**
 * The portals and their users' OAuth tokens, keyed by Bitrix24 `member_id`.
 *
 * Secrets (application token, access and refresh tokens) are encrypted with the TokenCipher on write
 * and decrypted on read, here and nowhere else: callers never see ciphertext, the database never sees
 * plaintext. Each value is bound to its row (cipher context), so a value copied into another row does
 * not decrypt. This module logs nothing.
 *
 * Install state machine: `upsertPortal` creates a portal as `new` (the install POST);
 * `markInstallFinished` moves it to `installed` (ONAPPINSTALL / installFinish; repeating it changes
 * nothing); `markUninstalled` moves it to `uninstalled` and marks its users' tokens dead, with a
 * `purgeAfter` time when its data is to be deleted (CLEAN); a later `upsertPortal` (reinstall) brings it
 * back to `new`, forgetting the old application token, and `restoreInstalled` (an admin opened the app
 * and Bitrix24 vouched for it) back to `installed`; either cancels the purge. `purgeUninstalled`
 * deletes the portals whose purge time has come.
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
  createdAt: number;
  updatedAt: number;
}

export interface PortalOverview {
  memberId: string;
  domain: string;
  installState: InstallState;
  appStatus: string | null;
  installFinishedAt: number | null;
  createdAt: number;
  liveAdmins: number;
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

export class PortalNotFoundError extends Error {
  constructor(readonly memberId: string) {
    super(`Portal ${memberId} is not stored`);
    this.name = 'PortalNotFoundError';
  }
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
   * `new`/`installed` -> `uninstalled`, and every user's tokens dead; `purgeAfter` (epoch ms) schedules
   * the deletion of its data (null keeps it). False if absent or already uninstalled.
   */
  markUninstalled(memberId: string, options?: { purgeAfter?: number | null }): Promise<boolean>;
  /** An uninstalled portal's data is to be kept after all: its purge is cancelled. False if none was scheduled. */
  cancelPurge(memberId: string): Promise<boolean>;
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
}

/** One mutex per database handle, shared by every store built on it. */
const mutexes = new WeakMap<Kysely<DatabaseSchema>, KeyedMutex>();

function mutexFor(db: Kysely<DatabaseSchema>): KeyedMutex {
  let mutex = mutexes.get(db);
  if (!mutex) {
    mutex = new KeyedMutex();
    mutexes.set(db, mutex);
  }
  return mutex;
}

const context = {
  applicationToken: (memberId: string) => `portals.application_token:${memberId}`,
  accessToken: (memberId: string, userId: number) => `portal_users.access_token:${memberId}:${userId}`,
  refreshToken: (memberId: string, userId: number) => `portal_users.refresh_token:${memberId}:${userId}`,
};

function checkMemberId(memberId: string): void {
  if (typeof memberId !== 'string' || memberId === '') throw new TypeError('memberId must be a non-empty string');
}

function checkUserId(userId: number): void {
  if (!Number.isSafeInteger(userId) || userId <= 0) throw new TypeError('userId must be a positive integer');
}

function checkTokens(tokens: RefreshedTokens): void {
  if (typeof tokens.accessToken !== 'string' || tokens.accessToken === '') throw new TypeError('accessToken must be a non-empty string');
  if (typeof tokens.refreshToken !== 'string' || tokens.refreshToken === '') throw new TypeError('refreshToken must be a non-empty string');
  if (!Number.isFinite(tokens.expiresAt)) throw new TypeError('expiresAt must be epoch milliseconds');
}

function isForeignKeyViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

function isLockNotAvailable(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '55P03';
}

export function createPortalStore(appDb: AppDatabase, cipher: TokenCipher, options: PortalStoreOptions = {}): PortalStore {
  const { db, kind } = appDb;
  const now = options.now ?? Date.now;
  const lockTimeoutMs = options.lockTimeoutMs ?? 30_000;
  const mutex = mutexFor(db);

  function toPortal(row: Selectable<PortalsTable>): Portal {
    return {
      memberId: row.member_id,
      domain: row.domain,
      clientEndpoint: row.client_endpoint,
      serverEndpoint: row.server_endpoint,
      applicationToken: row.application_token === null ? null : cipher.decrypt(row.application_token, context.applicationToken(row.member_id)),
      installState: row.install_state,
      appName: row.app_name,
      appStatus: row.app_status,
      installFinishedAt: row.install_finished_at === null ? null : Number(row.install_finished_at),
      purgeAfter: row.purge_after === null ? null : Number(row.purge_after),
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
    };
  }

  function toUserTokens(row: Selectable<PortalUsersTable>): UserTokens {
    const userId = Number(row.user_id);
    return {
      memberId: row.member_id,
      userId,
      accessToken: cipher.decrypt(row.access_token, context.accessToken(row.member_id, userId)),
      refreshToken: cipher.decrypt(row.refresh_token, context.refreshToken(row.member_id, userId)),
      expiresAt: Number(row.expires_at),
      scope: row.scope,
      isAdmin: Number(row.is_admin) === 1,
      tokenState: row.token_state,
      updatedAt: Number(row.updated_at),
    };
  }

  async function readTokens(executor: Kysely<DatabaseSchema>, memberId: string, userId: number): Promise<UserTokens | null> {
    const row = await executor
      .selectFrom('portal_users')
      .selectAll()
      .where('member_id', '=', memberId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row ? toUserTokens(row) : null;
  }

  async function writeTokens(executor: Kysely<DatabaseSchema>, memberId: string, userId: number, tokens: SaveUserTokensInput): Promise<UserTokens> {
    checkTokens(tokens);
    const updatedAt = now();
    const row = {
      member_id: memberId,
      user_id: userId,
      is_admin: tokens.isAdmin ? 1 : 0,
      access_token: cipher.encrypt(tokens.accessToken, context.accessToken(memberId, userId)),
      refresh_token: cipher.encrypt(tokens.refreshToken, context.refreshToken(memberId, userId)),
      expires_at: Math.trunc(tokens.expiresAt),
      scope: tokens.scope,
      token_state: 'live' as const,
      updated_at: updatedAt,
    };
    try {
      // One statement: the access and refresh token are replaced together or not at all.
      await executor
        .insertInto('portal_users')
        .values(row)
        .onConflict((conflict) =>
          conflict.columns(['member_id', 'user_id']).doUpdateSet((eb) => ({
            is_admin: eb.ref('excluded.is_admin'),
            access_token: eb.ref('excluded.access_token'),
            refresh_token: eb.ref('excluded.refresh_token'),
            expires_at: eb.ref('excluded.expires_at'),
            scope: eb.ref('excluded.scope'),
            token_state: eb.ref('excluded.token_state'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
    } catch (error) {
      if (isForeignKeyViolation(error)) throw new PortalNotFoundError(memberId);
      throw error;
    }
    return {
      memberId,
      userId,
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: row.expires_at,
      scope: tokens.scope,
      isAdmin: tokens.isAdmin,
      tokenState: 'live',
      updatedAt,
    };
  }

  async function setTokensDead(executor: Kysely<DatabaseSchema>, memberId: string, userId: number): Promise<boolean> {
    const result = await executor
      .updateTable('portal_users')
      .set({ token_state: 'dead', updated_at: now() })
      .where('member_id', '=', memberId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Runs fn with save/markDead bound to `executor`; an error from fn is returned, not thrown. */
  async function runLocked<T>(
    executor: Kysely<DatabaseSchema>,
    memberId: string,
    userId: number,
    fn: TokenLockFn<T>,
  ): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
    const current = await readTokens(executor, memberId, userId);
    let open = true;
    const ensureOpen = () => {
      if (!open) throw new Error('withUserTokenLock: save/markDead called after the lock was released');
    };
    const save: SaveTokens = async (tokens) => {
      ensureOpen();
      return writeTokens(executor, memberId, userId, {
        accessToken: tokens.accessToken,
        refreshToken: tokens.refreshToken,
        expiresAt: tokens.expiresAt,
        scope: tokens.scope ?? current?.scope ?? '',
        isAdmin: tokens.isAdmin ?? current?.isAdmin ?? false,
      });
    };
    const controls: TokenLockControls = {
      markDead: async () => {
        ensureOpen();
        await setTokensDead(executor, memberId, userId);
      },
    };
    try {
      return { ok: true, value: await fn(current, save, controls) };
    } catch (error) {
      return { ok: false, error };
    } finally {
      open = false;
    }
  }

  return {
    async upsertPortal(input) {
      checkMemberId(input.memberId);
      const timestamp = now();
      const token = input.applicationToken ?? null;
      const row = await db
        .insertInto('portals')
        .values({
          member_id: input.memberId,
          domain: input.domain,
          client_endpoint: input.clientEndpoint,
          server_endpoint: input.serverEndpoint,
          application_token: token === null ? null : cipher.encrypt(token, context.applicationToken(input.memberId)),
          install_state: 'new',
          app_name: input.appName,
          app_status: input.appStatus ?? null,
          install_finished_at: null,
          purge_after: null,
          created_at: timestamp,
          updated_at: timestamp,
        })
        .onConflict((conflict) =>
          conflict.column('member_id').doUpdateSet((eb) => {
            const wasUninstalled = eb('portals.install_state', '=', 'uninstalled');
            return {
              domain: eb.ref('excluded.domain'),
              client_endpoint: eb.ref('excluded.client_endpoint'),
              server_endpoint: eb.ref('excluded.server_endpoint'),
              app_name: eb.ref('excluded.app_name'),
              app_status: sql<string | null>`coalesce(excluded.app_status, portals.app_status)`,
              updated_at: eb.ref('excluded.updated_at'),
              // A reinstall after uninstall starts over; otherwise the state is kept.
              install_state: sql<InstallState>`case when ${wasUninstalled} then 'new' else portals.install_state end`,
              install_finished_at: sql<number | null>`case when ${wasUninstalled} then null else portals.install_finished_at end`,
              purge_after: sql<number | null>`null`,
              application_token:
                token === null
                  ? sql<string | null>`case when ${wasUninstalled} then null else portals.application_token end`
                  : eb.ref('excluded.application_token'),
            };
          }),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
      return toPortal(row);
    },

    async getPortal(memberId) {
      const row = await db.selectFrom('portals').selectAll().where('member_id', '=', memberId).executeTakeFirst();
      return row ? toPortal(row) : null;
    },

    async markInstallFinished(memberId) {
      const timestamp = now();
      const result = await db
        .updateTable('portals')
        .set({
          install_state: 'installed',
          install_finished_at: sql<number>`coalesce(install_finished_at, ${timestamp})`,
          updated_at: timestamp,
        })
        .where('member_id', '=', memberId)
        .where('install_state', '!=', 'uninstalled')
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async setApplicationToken(memberId, applicationToken) {
      checkMemberId(memberId);
      if (typeof applicationToken !== 'string' || applicationToken === '') throw new TypeError('applicationToken must be a non-empty string');
      const result = await db
        .updateTable('portals')
        .set({ application_token: cipher.encrypt(applicationToken, context.applicationToken(memberId)), updated_at: now() })
        .where('member_id', '=', memberId)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async markUninstalled(memberId, { purgeAfter = null } = {}) {
      return db.transaction().execute(async (trx) => {
        const timestamp = now();
        const result = await trx
          .updateTable('portals')
          .set({ install_state: 'uninstalled', purge_after: purgeAfter === null ? null : Math.trunc(purgeAfter), updated_at: timestamp })
          .where('member_id', '=', memberId)
          .where('install_state', '!=', 'uninstalled')
          .executeTakeFirst();
        if (result.numUpdatedRows === 0n) return false;
        await trx.updateTable('portal_users').set({ token_state: 'dead', updated_at: timestamp }).where('member_id', '=', memberId).execute();
        return true;
      });
    },

    async cancelPurge(memberId) {
      const result = await db
        .updateTable('portals')
        .set({ purge_after: null, updated_at: now() })
        .where('member_id', '=', memberId)
        .where('purge_after', 'is not', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async restoreInstalled(memberId) {
      const timestamp = now();
      const result = await db
        .updateTable('portals')
        .set({ install_state: 'installed', purge_after: null, install_finished_at: sql<number>`coalesce(install_finished_at, ${timestamp})`, updated_at: timestamp })
        .where('member_id', '=', memberId)
        .where('install_state', '=', 'uninstalled')
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async purgeUninstalled(at) {
      const rows = await db
        .deleteFrom('portals')
        .where('install_state', '=', 'uninstalled')
        .where('purge_after', 'is not', null)
        .where('purge_after', '<=', Math.trunc(at))
        .returning('member_id')
        .execute();
      return rows.map((row) => row.member_id);
    },

    async deletePortal(memberId) {
      const result = await db.deleteFrom('portals').where('member_id', '=', memberId).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async saveUserTokens(memberId, userId, tokens) {
      checkMemberId(memberId);
      checkUserId(userId);
      return writeTokens(db, memberId, userId, tokens);
    },

    async getUserTokens(memberId, userId) {
      return readTokens(db, memberId, userId);
    },

    async listLiveAdmins(memberId) {
      const rows = await db
        .selectFrom('portal_users')
        .selectAll()
        .where('member_id', '=', memberId)
        .where('is_admin', '=', 1)
        .where('token_state', '=', 'live')
        .orderBy('updated_at', 'desc')
        .orderBy('user_id', 'asc')
        .execute();
      return rows.map(toUserTokens);
    },

    async reencryptTokens() {
      const report: ReencryptionReport = { reencrypted: 0, alreadyCurrent: 0, unreadable: 0 };
      /** The new value for `stored`, or null when it is current (counted) or unreadable (counted). */
      const rotated = (stored: string, where: string): string | null => {
        if (!cipher.needsReencryption(stored)) {
          report.alreadyCurrent += 1;
          return null;
        }
        try {
          return cipher.encrypt(cipher.decrypt(stored, where), where);
        } catch {
          report.unreadable += 1;
          return null;
        }
      };
      const portals = await db.selectFrom('portals').select(['member_id', 'application_token']).where('application_token', 'is not', null).execute();
      for (const row of portals) {
        const next = rotated(row.application_token!, context.applicationToken(row.member_id));
        if (next === null) continue;
        const result = await db
          .updateTable('portals')
          .set({ application_token: next })
          .where('member_id', '=', row.member_id)
          .where('application_token', '=', row.application_token)
          .executeTakeFirst();
        if (result.numUpdatedRows > 0n) report.reencrypted += 1;
      }
      const users = await db.selectFrom('portal_users').select(['member_id', 'user_id', 'access_token', 'refresh_token']).execute();
      for (const row of users) {
        const userId = Number(row.user_id);
        const access = rotated(row.access_token, context.accessToken(row.member_id, userId));
        const refresh = rotated(row.refresh_token, context.refreshToken(row.member_id, userId));
        if (access === null && refresh === null) continue;
        const result = await db
          .updateTable('portal_users')
          .set({ access_token: access ?? row.access_token, refresh_token: refresh ?? row.refresh_token })
          .where('member_id', '=', row.member_id)
          .where('user_id', '=', row.user_id)
          .where('access_token', '=', row.access_token)
          .where('refresh_token', '=', row.refresh_token)
          .executeTakeFirst();
        if (result.numUpdatedRows > 0n) report.reencrypted += (access === null ? 0 : 1) + (refresh === null ? 0 : 1);
      }
      return report;
    },

    async listPortals() {
      const rows = await db
        .selectFrom('portals')
        .leftJoin('portal_users', (join) =>
          join.onRef('portal_users.member_id', '=', 'portals.member_id').on('portal_users.is_admin', '=', 1).on('portal_users.token_state', '=', 'live'),
        )
        .select((eb) => [
          'portals.member_id',
          'portals.domain',
          'portals.install_state',
          'portals.app_status',
          'portals.install_finished_at',
          'portals.created_at',
          eb.fn.count<number>('portal_users.user_id').as('live_admins'),
        ])
        .groupBy(['portals.member_id', 'portals.domain', 'portals.install_state', 'portals.app_status', 'portals.install_finished_at', 'portals.created_at'])
        .orderBy('portals.created_at', 'asc')
        .execute();
      return rows.map((row) => ({
        memberId: row.member_id,
        domain: row.domain,
        installState: row.install_state,
        appStatus: row.app_status,
        installFinishedAt: row.install_finished_at === null ? null : Number(row.install_finished_at),
        createdAt: Number(row.created_at),
        liveAdmins: Number(row.live_admins),
      }));
    },

    async markTokensDead(memberId, userId) {
      return setTokensDead(db, memberId, userId);
    },

    async withUserTokenLock(memberId, userId, fn) {
      checkMemberId(memberId);
      checkUserId(userId);
      const outcome = await mutex.run(
        JSON.stringify([memberId, userId]),
        async () => {
          if (kind === 'sqlite') {
            // One process, one connection: the keyed mutex is the lock. No transaction is held while fn
            // runs (it would stall every other query of the process during the network refresh); each
            // save is one atomic statement.
            return runLocked(db, memberId, userId, fn);
          }
          try {
            return await db.transaction().execute(async (trx) => {
              await sql`select set_config('lock_timeout', ${`${lockTimeoutMs}ms`}, true)`.execute(trx);
              await sql`select pg_advisory_xact_lock(${advisoryLockKey('b24-push:user-tokens', memberId, String(userId))}::bigint)`.execute(trx);
              // Committed even when fn failed: a saved pair must survive a later error in fn.
              return runLocked(trx, memberId, userId, fn);
            });
          } catch (error) {
            if (isLockNotAvailable(error)) {
              throw new LockTimeoutError(`Waited more than ${lockTimeoutMs} ms for the token lock of portal ${memberId}, user ${userId}`);
            }
            throw error;
          }
        },
        lockTimeoutMs,
      );
      if (!outcome.ok) throw outcome.error;
      return outcome.value;
    },
  };
}

export { LockTimeoutError };
