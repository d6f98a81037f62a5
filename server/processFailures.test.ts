import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '../test/support/freePort.js';

/**
 * The real server process (runServer, through test/support/processes/appProcess.ts) meeting a failure
 * nothing catches: it logs it as fatal and exits 1, also while it is shutting down, so it can never
 * linger half-alive or ignore the next SIGTERM.
 */

const APP_PROCESS = fileURLToPath(new URL('../test/support/processes/appProcess.ts', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

async function runFailing(failure: string, afterStart?: (child: ReturnType<typeof spawn>) => void): Promise<Exit> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'failing-app-'));
  const child = spawn(process.execPath, ['--import', 'tsx', APP_PROCESS], {
    cwd: root,
    env: { ...process.env, PORT: String(port), DATABASE_URL: `sqlite:${path.join(dataDir, 'app.sqlite')}`, DATA_DIR: dataDir, NODE_ENV: 'test', LOG_LEVEL: 'warn', FAIL: failure },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, output })));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    if (afterStart) {
      for (;;) {
        if (child.exitCode !== null) break;
        if ((await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.ok) break;
        await delay(100);
      }
      afterStart(child);
    }
    return await exited;
  } finally {
    clearTimeout(killer);
  }
}

const fatalLines = (output: string) => output.split('\n').filter((line) => line.includes('"level":60'));

describe('failures nothing catches end the process with code 1', { timeout: 90_000 }, () => {
  it('an unhandled promise rejection', async () => {
    const exit = await runFailing('rejection');
    expect(exit, exit.output).toMatchObject({ code: 1, signal: null });
    expect(fatalLines(exit.output).join('\n')).toContain('unhandled promise rejection: exiting');
  });

  it('an uncaught exception', async () => {
    const exit = await runFailing('exception');
    expect(exit, exit.output).toMatchObject({ code: 1, signal: null });
    expect(fatalLines(exit.output).join('\n')).toContain('uncaught exception: exiting');
  });

  it('an exception while SIGTERM is being handled', async () => {
    const exit = await runFailing('in-shutdown', (child) => child.kill('SIGTERM'));
    expect(exit, exit.output).toMatchObject({ code: 1, signal: null });
    const fatal = fatalLines(exit.output).join('\n');
    expect(fatal).toContain('uncaught exception: exiting');
    expect(fatal).toContain('"stopping":true');
  });
});
