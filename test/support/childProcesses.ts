import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import readline from 'node:readline';

/**
 * Test support: runs the TypeScript scripts of `processes/` (named by file name) as separate Node
 * processes (through tsx) that contend for something at the same moment. Each child prints `ready`
 * when set up, waits for `go` on stdin, does its work and prints one JSON line as its last line.
 * Used only by tests.
 */

const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

export function scriptPath(name: string): string {
  return fileURLToPath(new URL(`./processes/${name}`, import.meta.url));
}

/** In a child: resolves when the parent writes `go`. */
export function waitForGo(): Promise<void> {
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      if (line.trim() === 'go') {
        lines.close();
        resolve();
      }
    });
    lines.on('close', () => resolve());
    process.stdin.on('error', reject);
  });
}

interface Running {
  child: ChildProcess;
  ready: Promise<void>;
  done: Promise<{ code: number | null; lines: string[]; stderr: string }>;
}

function start(script: string, env: Record<string, string>): Running {
  const child = spawn(TSX, [script], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.trim() === 'ready') markReady();
    else lines.push(line);
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<{ code: number | null; lines: string[]; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      markReady(); // never leave the parent waiting on a child that died before `ready`
      resolve({ code, lines, stderr });
    });
  });
  return { child, ready, done };
}

/**
 * Starts one child per env, waits until all are ready, releases them together and returns each
 * child's final JSON line. Throws (with the child's stderr) if a child fails.
 */
export async function runContenders<T>(script: string, envs: Record<string, string>[], timeoutMs = 15_000): Promise<T[]> {
  const running = envs.map((env) => start(scriptPath(script), env));
  const timer = setTimeout(() => running.forEach(({ child }) => child.kill('SIGKILL')), timeoutMs);
  try {
    await Promise.all(running.map(({ ready }) => ready));
    for (const { child } of running) child.stdin?.end('go\n');
    const results = await Promise.all(running.map(({ done }) => done));
    return results.map(({ code, lines, stderr }, index) => {
      const last = lines.at(-1);
      if (code !== 0 || last === undefined) {
        throw new Error(`child ${index} (${script}) exited with ${code}:\n${stderr}\n${lines.join('\n')}`);
      }
      return JSON.parse(last) as T;
    });
  } finally {
    clearTimeout(timer);
  }
}
