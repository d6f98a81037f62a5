import { randomUUID } from 'node:crypto';
import { fixtureClientPages } from '../test/support/fixturePages.js';
import { isRecipient } from '../test/support/directory.js';
import type { SimPortal } from '../simulator/contract.js';
import {
  callApi,
  frameHeaders,
  installApp,
  loudSkip,
  NO_API_LIMITS,
  NO_LIMIT,
  portalTimeOf,
  postgresDatabase,
  probePostgres,
  sqliteDatabase,
  startBenchStack,
  takeServed,
  type BenchContext,
  type BenchDatabase,
  type Section,
  type TargetCheck,
} from './harness.js';
import { fmtInt, fmtNumber, percentile } from './stats.js';

/**
 * 3. API overhead under load: 50 concurrent admins (10 on each of 5 portals) hitting the preview, search
 * and send endpoints for BENCH_LOAD_SECONDS (default 20) on SQLite and on PostgreSQL. Per request the
 * backend's own time is the server-side time minus the portal round trips it waited on. The portals'
 * and the app's rate limits are lifted: this measures the backend, not Bitrix24's limit.
 */

const PORTALS = 5;
const ADMINS_PER_PORTAL = 10;
/** Big enough for 10 active admins per portal (the simulator makes ~0.4 % of users admins). */
const USERS_PER_PORTAL = 3_000;

interface Sample {
  kind: 'preview' | 'search' | 'send';
  status: number;
  latencyMs: number;
  overheadMs: number;
}

function admins(portal: SimPortal, count: number): number[] {
  const all = portal.directory.users.filter((user) => user.admin && user.active && user.type === 'employee').map((user) => user.id);
  return Array.from({ length: count }, (_, index) => all[index % all.length]!);
}

async function loadOn(database: BenchDatabase, seconds: number, log: (message: string) => void): Promise<{ samples: Sample[]; rssMaxMb: number; elapsedS: number }> {
  const stack = await startBenchStack({
    pages: fixtureClientPages(),
    databaseUrl: database.url,
    apiRateLimits: NO_API_LIMITS,
    sends: { rateLimit: NO_LIMIT },
    portals: Array.from({ length: PORTALS }, (_, index) => ({ label: `load-${index}`, users: USERS_PER_PORTAL, seed: 20 + index, rateLimit: NO_LIMIT })),
  });
  try {
    const workers: Array<() => Promise<Sample>> = [];
    for (let index = 0; index < PORTALS; index += 1) {
      const portal = stack.sim.portal(`load-${index}`);
      await installApp(portal, ADMINS_PER_PORTAL - 1);
      const employees = portal.directory.users.filter(isRecipient);
      const departments = portal.directory.departments.map((department) => department.id);
      for (const adminId of admins(portal, ADMINS_PER_PORTAL)) {
        const headers = frameHeaders(portal, adminId);
        let turn = adminId % 3;
        workers.push(async () => {
          turn = (turn + 1) % 3;
          const pick = <T>(items: readonly T[]) => items[Math.floor(Math.random() * items.length)]!;
          let answer;
          let kind: Sample['kind'];
          if (turn === 0) {
            kind = 'search';
            answer = await callApi(stack.appUrl, `/recipients/search?q=${encodeURIComponent(pick(employees).lastName)}`, headers);
          } else if (turn === 1) {
            kind = 'preview';
            answer = await callApi(stack.appUrl, '/audience/preview', headers, { audience: { departments: [{ id: pick(departments), withSubdepartments: true }] } });
          } else {
            kind = 'send';
            answer = await callApi(stack.appUrl, '/sends', headers, { idempotencyKey: randomUUID(), text: 'Load test', audience: { users: [pick(employees).id, pick(employees).id, pick(employees).id] } });
          }
          const served = takeServed(answer.benchId);
          const overheadMs = served ? served.serverMs - portalTimeOf(served.calls) : Number.NaN;
          return { kind, status: answer.status, latencyMs: answer.ms, overheadMs };
        });
      }
    }
    log(`api load on ${database.kind}: ${workers.length} admins for ${seconds} s`);
    const samples: Sample[] = [];
    let rssMax = process.memoryUsage().rss;
    const memory = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 250);
    const started = performance.now();
    const deadline = started + seconds * 1000;
    await Promise.all(
      workers.map(async (worker) => {
        while (performance.now() < deadline) samples.push(await worker());
      }),
    );
    clearInterval(memory);
    return { samples, rssMaxMb: rssMax / 2 ** 20, elapsedS: (performance.now() - started) / 1000 };
  } finally {
    await stack.close();
  }
}

export async function apiLoad(context: BenchContext): Promise<Section[]> {
  const seconds = Math.max(1, Number(process.env.BENCH_LOAD_SECONDS ?? 20) || 20);
  const notes: string[] = [];
  const kinds: Array<() => Promise<BenchDatabase>> = [sqliteDatabase];
  const pgProblem = await probePostgres();
  if (pgProblem) notes.push(loudSkip('the API load benchmark', pgProblem));
  else kinds.push(postgresDatabase);

  const rows: string[][] = [];
  const targets: TargetCheck[] = [];
  for (const make of kinds) {
    const database = await make();
    try {
      const { samples, rssMaxMb, elapsedS } = await loadOn(database, seconds, context.log);
      const failures = samples.filter((sample) => sample.status >= 400).length;
      for (const kind of ['all', 'search', 'preview', 'send'] as const) {
        const chosen = kind === 'all' ? samples : samples.filter((sample) => sample.kind === kind);
        const latency = chosen.map((sample) => sample.latencyMs).sort((a, b) => a - b);
        const overhead = chosen.map((sample) => sample.overheadMs).filter(Number.isFinite).sort((a, b) => a - b);
        rows.push([
          database.kind,
          kind,
          fmtInt(chosen.length),
          fmtNumber(chosen.length / elapsedS, 'req/s'),
          fmtNumber(percentile(latency, 50), 'ms'),
          fmtNumber(percentile(latency, 99), 'ms'),
          fmtNumber(percentile(overhead, 50), 'ms'),
          fmtNumber(percentile(overhead, 99), 'ms'),
          kind === 'all' ? `${fmtInt(rssMaxMb)} MB` : '',
          kind === 'all' ? fmtInt(failures) : '',
        ]);
        if (kind === 'all') {
          const p99 = percentile(overhead, 99);
          targets.push({ what: `${database.kind}: p99 backend overhead`, target: 'under 20 ms', actual: fmtNumber(p99, 'ms'), met: p99 < 20 });
          targets.push({ what: `${database.kind}: failed requests`, target: '0', actual: fmtInt(failures), met: failures === 0 });
        }
      }
    } finally {
      await database.dispose();
    }
  }
  notes.push(
    `One ${seconds}-s run per database (not a median of several: the run is itself thousands of requests), ${PORTALS} portals of ${USERS_PER_PORTAL.toLocaleString('en-US')} users, ${ADMINS_PER_PORTAL} admins each (each its own token), every admin looping search → preview (a department with its sub-departments) → send (3 people), one request at a time.`,
    'Overhead = time in the app’s HTTP server minus the union of the portal round trips made for that request (a send’s pushes included, since the API answers when the send is final). Memory is the peak RSS of the one process that runs the app, the simulator and the load generator, so it overstates the app’s own.',
  );
  return [
    {
      id: 'load',
      title: `3. API overhead under load (50 admins, 5 portals, ${seconds} s)`,
      columns: ['database', 'requests', 'count', 'throughput', 'latency p50', 'latency p99', 'overhead p50', 'overhead p99', 'peak RSS', 'failed'],
      rows,
      targets,
      notes,
    },
  ];
}
