import type { Kysely, Selectable } from 'kysely';
import type { TokenCipher } from '../../security/tokenCipher.js';
import type { DatabaseSchema, PortalUsersTable } from '../schema.js';
import type { PortalStore, RefreshedTokens, SaveUserTokensInput, UserTokens } from '../portalStore.js';
import { context } from './cipherContexts.js';
import { checkMemberId } from './portalRecords.js';

/**
 * Users' OAuth tokens and their encryption mapping: encrypted on write, decrypted on read, each value
 * bound to its row. `TokenRows` reads and writes them through any executor (the token lock passes its
 * transaction).
 */

export class PortalNotFoundError extends Error {
  constructor(readonly memberId: string) {
    super(`Portal ${memberId} is not stored`);
    this.name = 'PortalNotFoundError';
  }
}

export interface TokenRows {
  toUserTokens(row: Selectable<PortalUsersTable>): UserTokens;
  readTokens(executor: Kysely<DatabaseSchema>, memberId: string, userId: number): Promise<UserTokens | null>;
  /** Replaces the pair (live) in one statement; throws PortalNotFoundError without the portal. */
  writeTokens(executor: Kysely<DatabaseSchema>, memberId: string, userId: number, tokens: SaveUserTokensInput): Promise<UserTokens>;
  setTokensDead(executor: Kysely<DatabaseSchema>, memberId: string, userId: number): Promise<boolean>;
}

export type UserTokenStore = Pick<PortalStore, 'saveUserTokens' | 'getUserTokens' | 'listLiveAdmins' | 'listStoredAdmins' | 'markTokensDead'>;

export function checkUserId(userId: number): void {
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

export function createTokenRows(cipher: TokenCipher, now: () => number): TokenRows {
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

  return { toUserTokens, readTokens, writeTokens, setTokensDead };
}

export function createUserTokenStore(db: Kysely<DatabaseSchema>, rows: TokenRows): UserTokenStore {
  const { toUserTokens, readTokens, writeTokens, setTokensDead } = rows;
  return {
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

    async listStoredAdmins(memberId, limit) {
      const rows = await db
        .selectFrom('portal_users')
        .selectAll()
        .where('member_id', '=', memberId)
        .where('is_admin', '=', 1)
        .orderBy('updated_at', 'desc')
        .orderBy('user_id', 'asc')
        .limit(Math.max(1, Math.trunc(limit)))
        .execute();
      return rows.map(toUserTokens);
    },

    async markTokensDead(memberId, userId) {
      return setTokensDead(db, memberId, userId);
    },
  };
}
