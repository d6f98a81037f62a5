import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '../test/support/freePort.js';

/** `npm start` as a newcomer runs it: builds what is stale, migrates the embedded database, serves. */

const root = fileURLToPath(new URL('..', import.meta.url));


async function waitFor(url: string, timeoutMs: number): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fetch(url);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

describe('npm start', () => {
  it('serves the app page, /healthz and /readyz on the embedded SQLite default with a generated key, and stops cleanly on SIGTERM', { timeout: 120_000 }, async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'start-data-'));
    const child = spawn(process.execPath, ['scripts/start.mjs'], {
      cwd: root,
      env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, DATABASE_URL: `sqlite:${dataDir}/app.sqlite`, LOG_LEVEL: 'warn' },
      stdio: 'pipe',
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      const page = await waitFor(`http://127.0.0.1:${port}/`, 100_000);
      expect(page.status, output).toBe(200);
      expect(await page.text()).toMatch(/<script type="module"[^>]+src="\.\/assets\/index-/);
      expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({ status: 'ok' });
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      // SIGTERM: it stops taking requests, drains (scheduler, sends in flight), closes the database and exits 0.
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited, output).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    const { existsSync, statSync } = await import('node:fs');
    const keyFile = path.join(dataDir, 'token-encryption.key');
    expect(existsSync(keyFile)).toBe(true);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
  });

  it('stops on a bad variable with one line naming it', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts'], { cwd: root, env: { ...process.env, PORT: 'eighty' }, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('Configuration error: PORT must be a whole number between 1 and 65535');
  });
});
