import type pg from 'pg';
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import { StatementTimeoutError } from './databaseErrors.js';

/**
 * The PostgreSQL pool as Kysely sees it, with a deadline on every statement's answer.
 *
 * A connection whose peer vanished (a failover, a network partition that lost its packets) is not
 * closed by anyone: the kernel retransmits for ~15 minutes, and a statement sent on it waits that long.
 * So each statement waits at most `queryTimeoutMs` for its answer (pg's per-query `query_timeout`); a
 * statement that got none fails with a StatementTimeoutError, the rest of its checkout fails at once
 * (a transaction's ROLLBACK does not wait again), and the client is destroyed on release, never
 * returned to the pool (pg leaves a timed-out client "queryable", its next query queued behind the
 * lost one). Connections opened before the timeout are suspect too (the same network): each is
 * dropped when next checked out, so the pool is made of fresh connections once the network is back.
 *
 * Statements that wait for an advisory lock by design (the token lock waits up to 30 s for another
 * process's refresh, server/storage/portals/tokenLock.ts) get `lockWaitTimeoutMs` instead.
 */

export interface StatementDeadlines {
  /** Longest wait for a statement's answer. */
  queryTimeoutMs: number;
  /** Longest wait for a statement that waits for an advisory lock (pg_advisory_lock, pg_advisory_xact_lock). */
  lockWaitTimeoutMs: number;
}

const WAITS_FOR_LOCK = /\bpg_advisory(?:_xact)?_lock\s*\(/i;
const PG_QUERY_TIMEOUT = 'Query read timeout';

export function boundedPool(pool: pg.Pool, deadlines: StatementDeadlines, waited: (seconds: number) => void): PostgresPool {
  /** Bumped by every statement that got no answer; a client opened under an older one is suspect. */
  let timeouts = 0;
  const openedAfter = new WeakMap<pg.PoolClient, number>();
  pool.on('connect', (client) => openedAfter.set(client as pg.PoolClient, timeouts));

  async function freshClient(): Promise<pg.PoolClient> {
    for (;;) {
      const client = await pool.connect();
      // A client opened before this wrapper (openDatabase's first probe) counts as opened before any timeout.
      if ((openedAfter.get(client) ?? 0) >= timeouts) return client;
      // pg-pool removes and ends a client released with an error.
      client.release(new Error('opened before a statement timed out'));
    }
  }

  function bounded(client: pg.PoolClient): PostgresPoolClient {
    let lost: StatementTimeoutError | undefined;
    const query = async (text: string, values: readonly unknown[]) => {
      if (lost) throw new StatementTimeoutError(`${lost.message} (the connection was dropped)`, { cause: lost });
      const ms = WAITS_FOR_LOCK.test(text) ? deadlines.lockWaitTimeoutMs : deadlines.queryTimeoutMs;
      try {
        // pg reads a per-query `query_timeout` (lib/client.js) that its types do not declare.
        const config: pg.QueryConfig & { query_timeout: number } = { text, values: [...values], query_timeout: ms };
        return await client.query(config);
      } catch (error) {
        if (error instanceof Error && error.message === PG_QUERY_TIMEOUT) {
          timeouts += 1;
          lost = new StatementTimeoutError(`PostgreSQL did not answer within ${ms} ms`, { cause: error });
          throw lost;
        }
        throw error;
      }
    };
    return {
      // The cursor form of query() is used only by a dialect given a cursor class; this one has none.
      query: query as unknown as PostgresPoolClient['query'],
      release: () => client.release(lost),
    };
  }

  return {
    async connect() {
      const asked = performance.now();
      const client = await freshClient();
      waited((performance.now() - asked) / 1000);
      return bounded(client);
    },
    end: () => pool.end(),
  };
}
