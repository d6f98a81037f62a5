import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type { Worker } from 'node:worker_threads';
import { isRecipient } from '../test/support/directory.js';
import { freePort } from '../test/support/freePort.js';
import { startSimulator, type SimPortalImpl, type SimulatorImpl } from '../simulator/index.js';
import { TEST_CLIENT_ID, TEST_CLIENT_SECRET } from '../scripts/stack.js';
import { REQUIRED_SCOPES } from '../server/bitrix/scopes.js';
import { DEFAULT_API_RATE_LIMITS } from '../server/api/apiRateLimit.js';
import { generateEncryptionKey } from '../server/security/tokenCipher.js';
import { activeAdmins, frameHeaders, installApp, loudSkip, NO_LIMIT, postgresDatabase, probePostgres, sqliteDatabase, type BenchContext, type BenchDatabase, type Section } from './harness.js';
import { machineBusySeconds, startBenchApp, type BenchApp } from './appProcesses.js';
import { startProxyThread, type ProxyThread } from './roundRobinProxy.js';
import { timeSimulator, type SimulatorTimer } from './simulatorTime.js';
import { delta, histogramBound, METRIC, scrapeMetrics, type MetricsScrape } from './appMetrics.js';
import { KINDS, startLoadGenerator, type Attempt, type GeneratorMessage, type Kind, type LoadAdmin } from './loadGenerator.js';
import { nextMessage } from './tsWorker.js';
import { fmtInt, fmtNumber, percentile } from './stats.js';

/**
 * 3. API overhead under load: 50 admins (10 on each of 5 portals) looping search → preview → send for
 * BENCH_LOAD_SECONDS (default 20) against the real server in its own OS process(es) — one on SQLite,
 * one on PostgreSQL, and two sharing one PostgreSQL behind a round-robin proxy (BENCH_LOAD_CONFIGS picks
 * some: sqlite, postgres, 2x-postgres). The simulator and the proxy run in this process, the load
 * generator in a worker thread of it. Backend overhead = client-observed latency − the portal time the
 * app process reports; statements, round trips and pool wait per request come from the app's /metrics.
 * See bench/README.md.
 */

const PORTALS = 5;
const ADMINS_PER_PORTAL = 10;
/** Big enough for 10 active admins per portal (the simulator makes ~0.4 % of users admins). */
const USERS_PER_PORTAL = 3_000;
/** Seeds 21–25 give each portal at least 10 active admins, so each simulated admin is a different user. */
const FIRST_SEED = 21;
/** Unmeasured search → preview → send cycles per admin first (token checks cached, tree cache warm, pools open). */
const WARMUP_CYCLES = 2;
/**
 * The /api/ limits (per user and per portal) cannot be lifted by configuration, so each admin starts a
 * request at most this often: 80 % of the smaller of the per-user rate and the portal's rate shared by
 * its admins (2 a second with the defaults, 100 a second in all).
 */
const REQUESTS_PER_ADMIN_PER_SECOND = 0.8 * Math.min(DEFAULT_API_RATE_LIMITS.user.perSecond, DEFAULT_API_RATE_LIMITS.portal.perSecond / ADMINS_PER_PORTAL);
const APP_NAME = 'Team Push';
/** The app processes' reports trail their answers by a moment. */
const REPORTS_SETTLE_MS = 500;

interface Configuration {
  /** For BENCH_LOAD_CONFIGS. */
  key: string;
  label: string;
  database: () => Promise<BenchDatabase>;
  processes: number;
  /** The shared limits count in Redis (REDIS_URL) instead of PostgreSQL (decision 0014). */
  redis?: boolean;
}

const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

const CONFIGURATIONS: Configuration[] = [
  { key: 'sqlite', label: 'sqlite', database: sqliteDatabase, processes: 1 },
  { key: 'postgres', label: 'postgres', database: postgresDatabase, processes: 1 },
  { key: '2x-postgres', label: '2× postgres', database: postgresDatabase, processes: 2 },
  { key: '2x-postgres-redis', label: '2× postgres, limits in redis', database: postgresDatabase, processes: 2, redis: true },
];

interface Sample {
  kind: Kind;
  status: number;
  failed: boolean;
  /** Client-observed: request sent to answer read, in the load generator. */
  latencyMs: number;
  /** latencyMs − the portal time the app process reported (NaN without its report). */
  overheadMs: number;
  /** The app process's own view: time in its HTTP server − portal time. */
  inAppMs: number;
  /** The app's portal time − the simulator's own time for the same calls: queueing in this process and loopback. */
  simulatorQueueMs: number;
}

type Metrics = { ok: true; before: MetricsScrape; after: MetricsScrape; mostWaiting: number } | { ok: false; reason: string };

interface LoadResult {
  samples: Sample[];
  elapsedS: number;
  duplicatePushes: number;
  pushes: number;
  metrics: Metrics;
  appPeakRssMb: number[];
  appCpuCores: number;
  benchCpuCores: number;
  /** Cores busy machine-wide, PostgreSQL and anything else running included (NaN off Linux). */
  machineCpuCores: number;
  loadAverage: number;
  simulatorLoopDelayP99Ms: number;
  generatorLoopDelayP99Ms: number;
  unattributedCalls: number;
  proxyHopMs: number[];
}

function adminsOn(portal: SimPortalImpl): LoadAdmin[] {
  const admins = activeAdmins(portal).slice(0, ADMINS_PER_PORTAL);
  if (admins.length < ADMINS_PER_PORTAL) throw new Error(`portal ${portal.label} has ${admins.length} active admins, the load needs ${ADMINS_PER_PORTAL} different ones`);
  const employees = portal.directory.users.filter(isRecipient);
  return admins.map((admin) => ({
    memberId: portal.memberId,
    adminId: admin.id,
    headers: frameHeaders(portal, admin.id),
    employees: employees.map((user) => user.id),
    lastNames: employees.map((user) => user.lastName),
    departments: portal.directory.departments.map((department) => department.id),
    turn: admin.id % KINDS.length,
  }));
}

function joinReport(attempt: Attempt, apps: readonly BenchApp[], timer: SimulatorTimer): Sample {
  const { kind, status, failed, latencyMs } = attempt;
  const report = apps.map((app) => app.served.get(attempt.benchId)).find(Boolean);
  if (!report) return { kind, status, failed, latencyMs, overheadMs: Number.NaN, inAppMs: Number.NaN, simulatorQueueMs: Number.NaN };
  const from = attempt.startedAtEpochMs - performance.timeOrigin;
  const simulatorMs = timer.portalTimeFor(attempt.memberId, attempt.adminId, from, from + latencyMs);
  return { kind, status, failed, latencyMs, overheadMs: latencyMs - report.portalMs, inAppMs: report.serverMs - report.portalMs, simulatorQueueMs: report.portalMs - simulatorMs };
}

function countDuplicatePushes(sim: SimulatorImpl): { pushes: number; duplicates: number } {
  let pushes = 0;
  let duplicates = 0;
  for (const portal of sim.portals) {
    const seen = new Set<string>();
    for (const push of portal.pushes) {
      pushes += 1;
      const key = `${push.userId}\u0000${push.text}`;
      if (seen.has(key)) duplicates += 1;
      seen.add(key);
    }
  }
  return { pushes, duplicates };
}

async function runLoad(configuration: Configuration, database: BenchDatabase, seconds: number, log: (message: string) => void): Promise<LoadResult> {
  const ports = await Promise.all(Array.from({ length: configuration.processes }, () => freePort()));
  const appUrls = ports.map((port) => `http://127.0.0.1:${port}`);
  const metricsToken = randomBytes(24).toString('hex');
  const apps: BenchApp[] = [];
  let proxy: ProxyThread | undefined;
  let sim: SimulatorImpl | undefined;
  let timer: SimulatorTimer | undefined;
  let generator: Worker | undefined;
  let gauge: NodeJS.Timeout | undefined;
  try {
    if (configuration.processes > 1) proxy = await startProxyThread(appUrls);
    const publicUrl = proxy?.url ?? appUrls[0]!;
    sim = await startSimulator({
      app: { clientId: TEST_CLIENT_ID, clientSecret: TEST_CLIENT_SECRET, name: APP_NAME, url: publicUrl, scopes: [...REQUIRED_SCOPES] },
      portals: Array.from({ length: PORTALS }, (_, index) => ({ label: `load-${index}`, users: USERS_PER_PORTAL, seed: FIRST_SEED + index, rateLimit: NO_LIMIT })),
    });
    timer = timeSimulator(sim);
    const env = {
      PUBLIC_URL: publicUrl,
      DATABASE_URL: database.url,
      TOKEN_ENCRYPTION_KEY: generateEncryptionKey().toBase64(),
      B24_CLIENT_ID: TEST_CLIENT_ID,
      B24_CLIENT_SECRET: TEST_CLIENT_SECRET,
      B24_OAUTH_URL: sim.oauth.url,
      B24_APP_NAME: APP_NAME,
      LOG_LEVEL: 'warn',
      METRICS_TOKEN: metricsToken,
      ...(configuration.redis ? { REDIS_URL: BENCH_REDIS_URL } : {}),
    };
    // One after the other: the first migrates the database, the second finds it migrated.
    for (const port of ports) apps.push(await startBenchApp(port, env));

    const admins: LoadAdmin[] = [];
    for (const portal of sim.portals) {
      await installApp(portal, ADMINS_PER_PORTAL - 1);
      admins.push(...adminsOn(portal));
    }
    log(`${configuration.label}: warming up (${WARMUP_CYCLES} cycles per admin)`);
    generator = startLoadGenerator({ appUrl: publicUrl, label: configuration.label, admins, intervalMs: 1000 / REQUESTS_PER_ADMIN_PER_SECOND, warmupRequests: WARMUP_CYCLES * KINDS.length, seconds });
    const warmed = await nextMessage<GeneratorMessage>(generator);
    if (warmed.type !== 'warmed') throw new Error(`the load generator said ${warmed.type} before warming up`);

    const scrapeBefore = await scrapeMetrics(appUrls, metricsToken);
    let mostWaiting = 0;
    if (scrapeBefore.ok) {
      gauge = setInterval(() => {
        void scrapeMetrics(appUrls, metricsToken).then((scrape) => {
          if (scrape.ok) mostWaiting = Math.max(mostWaiting, scrape.scrape.values.get(METRIC.poolWaiting) ?? 0);
        });
      }, 1_000);
    }
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    const appCpuBefore = apps.map((app) => app.cpuSeconds());
    const benchCpuBefore = process.cpuUsage();
    const machineBefore = machineBusySeconds();
    const hopsBefore = (await proxy?.hopMs())?.length ?? 0;

    log(`${configuration.label}: ${admins.length} admins for ${seconds} s (${configuration.processes} app process${configuration.processes > 1 ? 'es behind a round-robin proxy' : ''})`);
    loopDelay.enable();
    const started = performance.now();
    const measuring = nextMessage<GeneratorMessage>(generator);
    generator.postMessage('go');
    const done = await measuring;
    if (done.type !== 'done') throw new Error(`the load generator said ${done.type} instead of done`);
    for (const failure of done.attempts.filter((attempt) => attempt.failed).slice(0, 5)) log(`${configuration.label}: ${failure.kind} failed (${failure.status || 'no answer'}): ${failure.detail ?? ''}`);
    const finished = performance.now();
    loopDelay.disable();
    clearInterval(gauge);
    const elapsedS = (finished - started) / 1000;
    const benchCpu = process.cpuUsage(benchCpuBefore);
    const machineCpuSeconds = machineBusySeconds() - machineBefore;
    const appCpuSeconds = apps.reduce((sum, app, index) => sum + app.cpuSeconds() - appCpuBefore[index]!, 0);
    const scrapeAfter = scrapeBefore.ok ? await scrapeMetrics(appUrls, metricsToken) : scrapeBefore;
    const metrics: Metrics =
      scrapeBefore.ok && scrapeAfter.ok ? { ok: true, before: scrapeBefore.scrape, after: scrapeAfter.scrape, mostWaiting } : { ok: false, reason: scrapeBefore.ok ? (scrapeAfter as { reason: string }).reason : scrapeBefore.reason };
    await delay(REPORTS_SETTLE_MS);
    const simTimer = timer;
    const { pushes, duplicates } = countDuplicatePushes(sim);
    return {
      samples: done.attempts.map((attempt) => joinReport(attempt, apps, simTimer)),
      elapsedS: done.elapsedS,
      duplicatePushes: duplicates,
      pushes,
      metrics,
      appPeakRssMb: apps.map((app) => app.peakRssBytes() / 2 ** 20),
      appCpuCores: appCpuSeconds / elapsedS,
      benchCpuCores: (benchCpu.user + benchCpu.system) / 1e6 / elapsedS,
      machineCpuCores: machineCpuSeconds / elapsedS,
      loadAverage: os.loadavg()[0]!,
      simulatorLoopDelayP99Ms: loopDelay.percentile(99) / 1e6,
      generatorLoopDelayP99Ms: done.loopDelayP99Ms,
      unattributedCalls: timer.unattributedCalls(started, finished),
      proxyHopMs: (await proxy?.hopMs())?.slice(hopsBefore) ?? [],
    };
  } catch (error) {
    for (const app of apps) log(`${configuration.label}: app process ${app.pid} output:\n${app.output()}`);
    throw error;
  } finally {
    clearInterval(gauge);
    await generator?.terminate();
    await Promise.all(apps.map((app) => app.stop()));
    await proxy?.close();
    timer?.stop();
    await sim?.close();
  }
}

const sorted = (values: number[]) => values.filter(Number.isFinite).sort((a, b) => a - b);
const TARGET_P99_MS: Record<Kind, number> = { search: 20, preview: 20, send: 50 };

function perRequest(metrics: Metrics, requests: number, name: string, scale = 1, unit = ''): string {
  if (!metrics.ok) return 'metrics unavailable';
  const value = (delta(metrics.before, metrics.after, name) * scale) / requests;
  return Number.isFinite(value) ? fmtNumber(value, unit) : '–';
}

export async function apiLoad(context: BenchContext): Promise<Section[]> {
  const seconds = Math.max(1, Number(process.env.BENCH_LOAD_SECONDS ?? 20) || 20);
  const notes: string[] = [];
  const pgProblem = await probePostgres();
  if (pgProblem) notes.push(loudSkip('the API load benchmark', pgProblem));

  const latencyRows: string[][] = [];
  const databaseRows: string[][] = [];
  const measured = new Map<string, LoadResult>();
  const only = (process.env.BENCH_LOAD_CONFIGS ?? '').split(',').map((key) => key.trim()).filter(Boolean);
  for (const configuration of CONFIGURATIONS) {
    if (only.length > 0 && !only.includes(configuration.key)) continue;
    if (pgProblem && configuration.database !== sqliteDatabase) continue;
    const database = await configuration.database();
    let result: LoadResult;
    try {
      result = await runLoad(configuration, database, seconds, context.log);
    } finally {
      await database.dispose();
    }
    measured.set(configuration.label, result);
    const { samples, elapsedS, metrics } = result;
    for (const kind of ['all', ...KINDS] as const) {
      const chosen = kind === 'all' ? samples : samples.filter((sample) => sample.kind === kind);
      const latency = sorted(chosen.map((sample) => sample.latencyMs));
      const overhead = sorted(chosen.map((sample) => sample.overheadMs));
      const inApp = sorted(chosen.map((sample) => sample.inAppMs));
      latencyRows.push([
        configuration.label,
        kind,
        fmtInt(chosen.length),
        fmtNumber(chosen.length / elapsedS, 'req/s'),
        fmtNumber(percentile(latency, 50), 'ms'),
        fmtNumber(percentile(latency, 99), 'ms'),
        fmtNumber(percentile(overhead, 50), 'ms'),
        fmtNumber(percentile(overhead, 99), 'ms'),
        fmtNumber(percentile(inApp, 50), 'ms'),
        fmtNumber(percentile(inApp, 99), 'ms'),
        fmtInt(chosen.filter((sample) => sample.failed).length),
      ]);
    }
    const requests = samples.length;
    const waitP99 = metrics.ok ? histogramBound(metrics.before, metrics.after, METRIC.poolWait, 99) : Number.NaN;
    databaseRows.push([
      configuration.label,
      fmtInt(requests),
      perRequest(metrics, requests, METRIC.statements),
      perRequest(metrics, requests, METRIC.roundTrips),
      perRequest(metrics, requests, `${METRIC.poolWait}_sum`, 1000, 'ms'),
      metrics.ok ? (Number.isFinite(waitP99) ? `≤ ${fmtNumber(waitP99 * 1000, 'ms')}` : '–') : 'metrics unavailable',
      metrics.ok ? fmtInt(metrics.mostWaiting) : 'metrics unavailable',
      fmtInt(result.duplicatePushes),
      result.appPeakRssMb.map((mb) => `${fmtInt(mb)} MB`).join(' + '),
      `${fmtNumber(result.appCpuCores)} / ${fmtNumber(result.benchCpuCores)} / ${fmtNumber(result.machineCpuCores)}`,
    ]);
    const hops = sorted(result.proxyHopMs);
    const queue = sorted(samples.map((sample) => sample.simulatorQueueMs));
    const unreported = samples.filter((sample) => sample.status !== 0 && !Number.isFinite(sample.overheadMs)).length;
    const failures = new Map<string, number>();
    for (const sample of samples.filter((one) => one.failed)) failures.set(`${sample.kind} ${sample.status || 'no answer'}`, (failures.get(`${sample.kind} ${sample.status || 'no answer'}`) ?? 0) + 1);
    notes.push(
      `${configuration.label}: ${fmtInt(result.pushes)} pushes received by the simulated phones; event-loop delay p99 ${fmtNumber(result.simulatorLoopDelayP99Ms, 'ms')} in the simulator's thread, ${fmtNumber(result.generatorLoopDelayP99Ms, 'ms')} in the load generator's; load average ${fmtNumber(result.loadAverage)} at the end` +
        `; the app waited on the simulator beyond the simulator's own handling (queueing in the benchmark process, loopback) p50 ${fmtNumber(percentile(queue, 50), 'ms')}, p99 ${fmtNumber(percentile(queue, 99), 'ms')}` +
        (failures.size ? `; failed: ${[...failures].map(([what, count]) => `${what} ×${count}`).join(', ')}` : '') +
        (unreported ? `; ${fmtInt(unreported)} answers without the app process's report (left out of the overhead)` : '') +
        (hops.length ? `; the proxy's own hop p50 ${fmtNumber(percentile(hops, 50), 'ms')}, p99 ${fmtNumber(percentile(hops, 99), 'ms')} (included in the overhead)` : '') +
        (result.unattributedCalls ? `; ${fmtInt(result.unattributedCalls)} simulator calls without a user (OAuth server, refused tokens) were not subtracted` : '') +
        (result.metrics.ok ? '' : `; metrics unavailable (${result.metrics.reason})`) +
        '.',
    );
  }

  const columns = ['target', 'threshold', ...CONFIGURATIONS.map((configuration) => configuration.label)];
  const cell = (label: string, value: (result: LoadResult) => number, limit: number, unit: string, strict: boolean) => {
    const result = measured.get(label);
    if (!result) return 'not run';
    const actual = value(result);
    const met = strict ? actual < limit : actual <= limit;
    return `${unit ? fmtNumber(actual, unit) : fmtInt(actual)} ${met ? 'met' : 'MISSED'}`;
  };
  const overheadP99 = (kind: Kind) => (result: LoadResult) => percentile(sorted(result.samples.filter((sample) => sample.kind === kind).map((sample) => sample.overheadMs)), 99);
  const targetRows = [
    ...KINDS.map((kind) => [`${kind}: p99 backend overhead`, `< ${TARGET_P99_MS[kind]} ms`, ...CONFIGURATIONS.map(({ label }) => cell(label, overheadP99(kind), TARGET_P99_MS[kind], 'ms', true))]),
    ['failed requests', '0', ...CONFIGURATIONS.map(({ label }) => cell(label, (result) => result.samples.filter((sample) => sample.failed).length, 0, '', false))],
    ['duplicate pushes', '0', ...CONFIGURATIONS.map(({ label }) => cell(label, (result) => result.duplicatePushes, 0, '', false))],
  ];

  const pace = REQUESTS_PER_ADMIN_PER_SECOND;
  notes.push(
    `One ${seconds}-s run per configuration after ${WARMUP_CYCLES} unmeasured cycles per admin, ${PORTALS} portals of ${USERS_PER_PORTAL.toLocaleString('en-US')} users, ${ADMINS_PER_PORTAL} admins each (each a different user with its own token), every admin looping search → preview (a department with its sub-departments) → send (3 people, a text of its own), one request at a time and at most ${fmtNumber(pace)} a second (${fmtInt(pace * PORTALS * ADMINS_PER_PORTAL)} a second in all).`,
    `The app runs in its own OS process(es) (bench/appProcess.ts: runServer configured by its environment variables); the simulator (main thread), the load generator and the proxy (a worker thread each) run in the benchmark process. All share the machine's cores with PostgreSQL and anything else running: "cores busy" is CPU time per second of the run in the app process(es), in the benchmark process and machine-wide; machine-wide minus the first two is PostgreSQL and everything else. Figures taken while other work ran (machine-wide well above app + bench + PostgreSQL's share) are not the app's.`,
    `Overhead = client-observed latency − portal time, where portal time is what the app process waited for the portal (measured in the app process around each outbound call, overlapping calls once, and reported per request over IPC): the simulator's slowness and its queueing on the benchmark's busy main thread are not charged to the app, but the load generator's own delays and, for 2× postgres, the proxy's hop are. "In the app" = time in the app's HTTP server (headers read to answer handed to the socket) − portal time: the backend's own share without loopback, proxy or load generator, but also without the time a request waits before the app's event loop reads it.`,
    `Limits: the simulator's bucket and our REST pace per portal are lifted (the latter through runServer's own "sends" option in bench/appProcess.ts). The /api/ limits per user (${DEFAULT_API_RATE_LIMITS.user.burst}, then ${DEFAULT_API_RATE_LIMITS.user.perSecond}/s) and per portal (${DEFAULT_API_RATE_LIMITS.portal.burst}, then ${DEFAULT_API_RATE_LIMITS.portal.perSecond}/s) have no environment variable (only StackOptions.apiRateLimits in the in-process stack), so they are in force and the load is paced below them. With PostgreSQL and no REDIS_URL every limit counts in PostgreSQL (decision 0014): those statements are part of the figures.`,
    `Per request = the delta of the app's /metrics counters (summed over its processes) between a scrape before and after the measured run, divided by the requests measured (all kinds mixed; background work such as the scheduler's tick included). Pool wait p99 is the histogram bucket bound; "most waiting" is the highest ${METRIC.poolWaiting} seen in scrapes once a second.`,
  );
  return [
    {
      id: 'load',
      title: `3. API overhead under load (50 admins, 5 portals, ${seconds} s, app in its own process)`,
      columns: ['configuration', 'requests', 'count', 'throughput', 'latency p50', 'latency p99', 'overhead p50', 'overhead p99', 'in the app p50', 'in the app p99', 'failed'],
      rows: latencyRows,
      targets: [],
      notes: [],
    },
    {
      id: 'load-database',
      title: '3. API load: database work per request, duplicates, processes',
      columns: ['configuration', 'requests', 'statements / request', 'round trips / request', 'pool wait / request', 'pool wait p99', 'most waiting', 'duplicate pushes', 'app peak RSS', `cores busy (app / bench / machine of ${os.cpus().length})`],
      rows: databaseRows,
      targets: [],
      notes: [],
    },
    {
      id: 'load-targets',
      title: '3. API load: targets side by side',
      columns,
      rows: targetRows,
      targets: [],
      notes,
    },
  ];
}
