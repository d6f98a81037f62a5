import { sql, type Kysely } from 'kysely';
import { advisoryLockKey, type AppDatabase } from '../database.js';
import { KeyedMutex, LockTimeoutError } from '../keyedMutex.js';
import type { DatabaseSchema } from '../schema.js';
import type { PortalStore, SaveTokens, TokenLockControls, TokenLockFn } from '../portalStore.js';
import { checkMemberId } from './portalRecords.js';
import { checkUserId, type TokenRows } from './userTokens.js';

/**
 * The cross-process (portal, user) token lock: a transaction-scoped advisory lock on PostgreSQL plus a
 * keyed mutex in this process (on SQLite the mutex is the lock); see withUserTokenLock in portalStore.ts.
 */
export type TokenLock = Pick<PortalStore, 'withUserTokenLock'>;

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

function isLockNotAvailable(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '55P03';
}

export function createTokenLock(appDb: AppDatabase, rows: TokenRows, lockTimeoutMs: number): TokenLock {
  const { db, kind } = appDb;
  const mutex = mutexFor(db);
  const { readTokens, writeTokens, setTokensDead } = rows;

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
              // The session's statement_timeout (database.ts, POSTGRES_TIMEOUTS) is shorter than this wait: raised for this transaction.
              await sql`select set_config('lock_timeout', ${`${lockTimeoutMs}ms`}, true), set_config('statement_timeout', ${`${lockTimeoutMs + 5_000}ms`}, true)`.execute(trx);
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
