import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * App processes for the load benchmark: bench/appProcess.ts (the real `runServer`) as child processes,
 * configured only by the app's environment variables. Every child is stopped by `stop()`, and any still
 * running when the benchmark process exits (a failure, Ctrl-C) is killed on the way out.
 */

const root = fileURLToPath(new URL('..', import.meta.url));
const APP_ENTRY = fileURLToPath(new URL('./appProcess.ts', import.meta.url));

/** The app's own variables (server/config.ts): never inherited from the shell that runs the benchmark. */
const APP_VARIABLES = [
  'PORT',
  'PUBLIC_URL',
  'B24_CLIENT_ID',
  'B24_CLIENT_SECRET',
  'B24_OAUTH_URL',
  'B24_APP_NAME',
  'DATABASE_URL',
  'DATA_DIR',
  'REDIS_URL',
  'TOKEN_ENCRYPTION_KEY',
  'TOKEN_ENCRYPTION_KEY_PREVIOUS',
  'LOG_LEVEL',
  'NODE_ENV',
  'UNINSTALL_PURGE_DAYS',
  'SEND_RETENTION_DAYS',
  'METRICS_TOKEN',
];

/** What an app process reports over IPC for each request that carried `x-bench-id` (bench/appProcess.ts). */
export interface ServedReport {
  benchId: string;
  /** Request start (headers read) to response finish, in the app process. */
  serverMs: number;
  /** How long it waited for the portal (overlapping calls once), as the app process saw it. */
  portalMs: number;
}

export interface BenchApp {
  /** Its own address (not the proxy's). */
  url: string;
  pid: number;
  /** Its reports by bench id (they arrive shortly after the answer: read them once the load has settled). */
  readonly served: Map<string, ServedReport>;
  output(): string;
  /** Peak resident memory so far (Linux /proc VmHWM), in bytes, or NaN. */
  peakRssBytes(): number;
  /** CPU time used so far (user + system, Linux /proc), in seconds, or NaN. */
  cpuSeconds(): number;
  /** SIGTERM (the app's graceful stop), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function killLeftoversOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const child of running) child.kill('SIGKILL');
      process.exit(130);
    });
  }
}

/** Starts one app process listening on `port` with `env` and resolves once its /healthz answers. */
export async function startBenchApp(port: number, env: Record<string, string>): Promise<BenchApp> {
  killLeftoversOnExit();
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !APP_VARIABLES.includes(name)));
  const dataDir = mkdtempSync(path.join(tmpdir(), 'team-push-bench-app-'));
  const child = spawn(process.execPath, ['--import', 'tsx', APP_ENTRY], {
    cwd: root,
    env: { ...inherited, LOG_LEVEL: 'warn', ...env, PORT: String(port), DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const served = new Map<string, ServedReport>();
  child.on('message', (message) => {
    const report = message as ServedReport;
    if (typeof report?.benchId === 'string') served.set(report.benchId, report);
  });
  running.add(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-64 * 1024);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running.delete(child);
      rmSync(dataDir, { recursive: true, force: true });
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const pid = child.pid ?? -1;
  const app: BenchApp = {
    url,
    pid,
    served,
    output: () => output,
    peakRssBytes: () => procField(pid, 'status', (text) => Number(/^VmHWM:\s+(\d+)\s+kB/m.exec(text)?.[1]) * 1024),
    cpuSeconds: () =>
      procField(pid, 'stat', (text) => {
        // Fields after the command name (which may hold spaces): utime and stime are the 14th and 15th fields.
        const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
        return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
      }),
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the app process ended before it served:\n${output}`);
      const health = await fetch(`${url}/healthz`).catch(() => null);
      if (health?.ok) return app;
      if (Date.now() > deadline) throw new Error(`the app process did not answer /healthz within 60 s:\n${output}`);
      await delay(100);
    }
  } catch (error) {
    await app.stop(0);
    throw error;
  }
}

/** Linux's USER_HZ, the unit of /proc/<pid>/stat's CPU times (100 on every mainstream kernel build). */
const CLOCK_TICKS_PER_SECOND = 100;

function procField(pid: number, file: 'status' | 'stat', read: (text: string) => number): number {
  try {
    return read(readFileSync(`/proc/${pid}/${file}`, 'utf8'));
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds the whole machine has been busy (all cores, every process: /proc/stat), or NaN off Linux. */
export function machineBusySeconds(): number {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal …: busy is everything but idle and iowait.
    const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
    return (total - fields[3]! - fields[4]!) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}
