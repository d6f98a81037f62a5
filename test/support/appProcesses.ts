import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort } from './freePort.js';

/**
 * Test support: real app processes (`runServer` through processes/appProcess.ts, as `server/main.ts`
 * runs it) configured by the app's own variables, for the tests that need several of them at once.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const APP_PROCESS = fileURLToPath(new URL('./processes/appProcess.ts', import.meta.url));

export interface AppProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  output(): string;
}

/** Starts one app process with `env` (PORT, PUBLIC_URL and DATA_DIR are its own) and resolves once /healthz answers. */
export async function startAppProcess(env: Record<string, string>): Promise<AppProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', APP_PROCESS], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, DATA_DIR: mkdtempSync(path.join(tmpdir(), 'app-process-')) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
  const app: AppProcess = { child, url: `http://127.0.0.1:${port}`, exited, output: () => output };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the app process ended before it served:\n${output}`);
    const health = await fetch(`${app.url}/healthz`).catch(() => null);
    if (health?.ok) return app;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the app process did not start:\n${output}`);
    }
    await delay(100);
  }
}

export async function stopAppProcesses(apps: Iterable<AppProcess>): Promise<void> {
  const all = [...apps];
  for (const app of all) app.child.kill('SIGKILL');
  await Promise.all(all.map((app) => app.exited));
}

