import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AppDatabase } from '../storage/database.js';

/**
 * The app's metrics, on a registry of its own (never prom-client's global one: tests build several apps
 * in one process, each with its own counts). composeParts creates them once per app and wraps the parts
 * that feed them (./instrument*.ts); GET /metrics (./metricsRoute.ts) serves the registry. Names are
 * read by the benchmarks: keep them.
 */
export interface Metrics {
  readonly registry: Registry;
  /** REST calls through the portal gateway, by method and outcome code (./outcomeCodes.ts). */
  readonly restCalls: Counter<'method' | 'code'>;
  /** OAuth refresh_token grants, by outcome (`ok` or the OAuth error code). */
  readonly tokenRefreshes: Counter<'outcome'>;
  /** Sends that reached a final status, by that status. */
  readonly sendsFinished: Counter<'status'>;
  /** Chunk state changes: accepted, failed, uncertain, released (back to pending, to be tried again). */
  readonly chunks: Counter<'outcome'>;
  /** Seconds a REST call waited for the portal's pace (the limiter's acquire). */
  readonly restLimitWait: Histogram;
  /** Seconds between a scheduled send's time and the moment a scheduler claimed it. */
  readonly schedulerLag: Histogram;
}

export interface MetricsOptions {
  /** Its statement counters and PostgreSQL pool are exposed (the last app built on a database gets its pool waits). */
  database?: AppDatabase;
  /** prom-client's process metrics (CPU, memory, event loop, GC); composeParts turns them on when /metrics is served. */
  processMetrics?: boolean;
}

const SHORT_WAIT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const LIMIT_WAIT_BUCKETS = [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];
const SCHEDULER_LAG_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  if (options.database) databaseMetrics(options.database, registry);
  return {
    registry,
    restCalls: new Counter({ name: 'teampush_rest_calls_total', help: 'REST calls to portals with stored authorization, by method and outcome code (ok, a Bitrix24 error code, no_tokens, oauth_unavailable, other, error).', labelNames: ['method', 'code'], registers }),
    tokenRefreshes: new Counter({ name: 'teampush_token_refreshes_total', help: 'OAuth token refreshes, by outcome (ok or the OAuth error code).', labelNames: ['outcome'], registers }),
    sendsFinished: new Counter({ name: 'teampush_sends_finished_total', help: 'Sends that reached a final status, by status (sent, partly_failed, failed, cancelled).', labelNames: ['status'], registers }),
    chunks: new Counter({ name: 'teampush_chunks_total', help: 'Chunk outcomes: accepted, failed, uncertain, released (not taken by Bitrix24, to be tried again).', labelNames: ['outcome'], registers }),
    restLimitWait: new Histogram({ name: 'teampush_rest_limit_wait_seconds', help: 'Time a REST call waited for its slot in the pace of its portal.', buckets: LIMIT_WAIT_BUCKETS, registers }),
    schedulerLag: new Histogram({ name: 'teampush_scheduler_lag_seconds', help: 'Time from the moment a scheduled send was due to its claim by a scheduler.', buckets: SCHEDULER_LAG_BUCKETS, registers }),
  };
}

/** The database's own counts, read when scraped; the pool's waits observed as they happen (always empty on SQLite). */
function databaseMetrics(database: AppDatabase, registry: Registry): void {
  const registers = [registry];
  const counterOf = (read: () => number) =>
    function collect(this: Counter) {
      this.reset();
      this.inc(read());
    };
  new Counter({ name: 'teampush_db_statements_total', help: 'Statements the database executed.', registers, collect: counterOf(() => database.statements.executed) });
  new Counter({ name: 'teampush_db_round_trips_total', help: 'Database round trips (on SQLite a transaction is one).', registers, collect: counterOf(() => database.statements.roundTrips) });
  const pool = database.pool;
  new Gauge({
    name: 'teampush_db_pool_waiting',
    help: 'Queries waiting for a pooled PostgreSQL connection (0 on SQLite).',
    registers,
    collect() {
      this.set(pool?.waiting ?? 0);
    },
  });
  const poolWait = new Histogram({ name: 'teampush_db_pool_wait_seconds', help: 'Time a query waited for a pooled PostgreSQL connection (empty on SQLite).', buckets: SHORT_WAIT_BUCKETS, registers });
  if (pool) pool.poolWait = (seconds) => poolWait.observe(seconds);
}
