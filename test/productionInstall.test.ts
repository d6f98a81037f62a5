import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './support/freePort.js';

/**
 * The production install, step for step as README.md ("Production install") and the Dockerfile do it:
 * build, ship what a deploy ships (PRODUCTION_FILES) to a folder of its own, `npm ci --omit=dev` there,
 * then `npm start` and the operators' commands. The build goes to a temporary folder (the same commands
 * as `npm run build`, with another output folder), so tests that read the project's dist/ are never
 * disturbed. `npm ci` compiles better-sqlite3 (about a minute) from npm's warm cache.
 */

const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

/** What a deploy ships next to dist/ (the Dockerfile copies the same). */
const PRODUCTION_FILES = ['package.json', 'package-lock.json', 'scripts/start.mjs'];
/** Dev dependencies the production install must not have (nor need). */
const DEV_ONLY = ['typescript', 'vite', 'tsx', 'vitest', '@playwright/test', 'pino-pretty'];

/** The environment of a child: ours without npm's own variables (this test may run under `npm test`). */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
  delete env.NODE_ENV;
  delete env.DATABASE_URL;
  delete env.TOKEN_ENCRYPTION_KEY;
  delete env.TOKEN_ENCRYPTION_KEY_PREVIOUS;
  return { ...env, ...extra };
}

let folder: string;
let app: string;
let env: NodeJS.ProcessEnv;
let server: ChildProcess | undefined;
let output = '';
let base: string;

async function waitForReady(url: string, timeoutMs: number): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server?.exitCode !== null || server.signalCode !== null) throw new Error(`npm start exited (${server?.exitCode}):\n${output}`);
    try {
      return await fetch(url);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** `npm run <script>` in the installed app, as an operator runs it there. */
async function npmRun(script: string) {
  try {
    const { stdout, stderr } = await run('npm', ['run', '--silent', script], { cwd: app, env, timeout: 60_000 });
    return { code: 0, out: `${stdout}${stderr}` };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, out: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe('the production install (npm run build, then npm ci --omit=dev and npm start without the sources)', () => {
  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'team-push-production-'));
    app = path.join(folder, 'app');
    const dist = path.join(app, 'dist');
    // npm run build, into the app's folder: build:server (scripts/buildServer.mjs) and build:client (vite build).
    await run(process.execPath, ['scripts/buildServer.mjs', '--outDir', dist], { cwd: root });
    await run(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--outDir', path.join(dist, 'client'), '--emptyOutDir', '--logLevel', 'warn'], { cwd: root });
    for (const file of PRODUCTION_FILES) {
      await mkdir(path.dirname(path.join(app, file)), { recursive: true });
      await cp(path.join(root, file), path.join(app, file));
    }
    env = childEnv({ DATA_DIR: path.join(folder, 'data'), DATABASE_URL: `sqlite:${path.join(folder, 'data', 'app.sqlite')}`, LOG_LEVEL: 'info' });
    await run('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app, env, timeout: 400_000 });

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // Its own process group: npm and the node it starts are stopped together.
    server = spawn('npm', ['start'], { cwd: app, env: { ...env, PORT: String(port) }, stdio: 'pipe', detached: true });
    server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitForReady(`${base}/healthz`, 60_000);
  }, 600_000);

  afterAll(async () => {
    if (server?.pid) {
      const running = server.exitCode === null && server.signalCode === null;
      const exited = running ? new Promise((resolve) => server!.once('exit', resolve)) : Promise.resolve();
      try {
        // The group: npm and the server it started, whichever is still there.
        process.kill(-server.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
      await exited;
    }
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('holds no sources and no dev dependencies, and npm start built nothing', () => {
    for (const source of ['server', 'client', 'contract', 'tsconfig.json', 'scripts/portals.ts']) expect(existsSync(path.join(app, source)), source).toBe(false);
    for (const name of DEV_ONLY) expect(existsSync(path.join(app, 'node_modules', name)), name).toBe(false);
    expect(existsSync(path.join(app, 'node_modules', 'better-sqlite3'))).toBe(true);
    expect(output).not.toMatch(/Building/);
  });

  it('serves the app page with its assets and answers /readyz on the embedded SQLite', async () => {
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status, output).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });

    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const script = /<script type="module"[^>]+src="\.\/(assets\/index-[^"]+\.js)"/.exec(html)?.[1];
    expect(script, html).toBeDefined();
    const asset = await fetch(`${base}/${script}`);
    expect(asset.status).toBe(200);
    expect(await asset.text()).toBe(await readFile(path.join(app, 'dist', 'client', script!), 'utf8'));
  });

  it('logs the app page at info, and the health probes not at info', async () => {
    await fetch(`${base}/healthz`);
    await fetch(`${base}/readyz`);
    await fetch(`${base}/?from=test`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const requests = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; req?: { path: string } })
      .filter((line) => line.req);
    expect(requests.some((line) => line.req?.path === '/' && line.level === 30), output).toBe(true);
    expect(requests.filter((line) => line.req?.path === '/healthz' || line.req?.path === '/readyz')).toEqual([]);
  });

  it('runs the compiled operators commands: npm run portals and npm run rotate-key', async () => {
    const portals = await npmRun('portals');
    expect(portals, portals.out).toMatchObject({ code: 0 });
    expect(portals.out.trim()).toBe('No portals yet.');

    const rotate = await npmRun('rotate-key');
    expect(rotate.code, rotate.out).toBe(0);
    expect(rotate.out).toContain('Re-encrypted with it: 0; already using it: 0; unreadable: 0');
  });

  it('logs JSON even at a terminal outside production (pino-pretty, a dev dependency, is not there)', async () => {
    const code = "process.stdout.isTTY = true; const { createLogger } = await import('./dist/server/logger.js'); createLogger({ level: 'info' }).info('at a terminal');";
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: app, env });
    expect(JSON.parse(stdout)).toMatchObject({ level: 30, service: 'team-push', msg: 'at a terminal' });
  });

  it('stops cleanly on SIGTERM', async () => {
    // npm ends at once on the signal; the server's output closes when the server itself has exited.
    const closed = new Promise((resolve) => server!.stdout!.once('close', resolve));
    process.kill(-server!.pid!, 'SIGTERM');
    await closed;
    expect(output).toMatch(/"databaseClosed":true,"msg":"stopped"/);
  });
});
