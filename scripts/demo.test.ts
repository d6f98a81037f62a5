import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '../test/support/freePort.js';

/**
 * `npm run demo` after its client build: the console a newcomer sees. The child runs the demo (runDemo.ts)
 * with fixture pages, so the test needs no client build. Its stdout is a pipe, so its log lines are JSON
 * (a terminal gets pino-pretty's lines, server/logger.test.ts).
 */

const root = fileURLToPath(new URL('..', import.meta.url));

interface LogLine {
  level: number;
  msg: string;
  req?: { path: string };
}

describe('npm run demo', () => {
  it('prints the portal URL last, and logs no request at info while it is used', { timeout: 90_000 }, async () => {
    const [appPort, oauthPort, portalPort] = [await freePort(), await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = { ...process.env, DEMO_APP_PORT: String(appPort), DEMO_OAUTH_PORT: String(oauthPort), DEMO_PORTAL_PORT: String(portalPort), DEMO_USERS: '20' };
    delete env.LOG_LEVEL;
    const demo = "const { runDemo } = await import('./scripts/runDemo.ts'); const { fixtureClientPages } = await import('./test/support/fixturePages.ts'); await runDemo({ pages: fixtureClientPages() });";
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', demo], { cwd: root, env, stdio: 'pipe' });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const portalUrl = `http://127.0.0.1:${portalPort}/?user=1`;
    try {
      await new Promise<void>((resolve, reject) => {
        const check = () => (output.includes(portalUrl) ? resolve() : undefined);
        child.stdout.on('data', check);
        void exited.then((code) => reject(new Error(`the demo exited (${code}):\n${output}`)));
      });
      // A newcomer opens the app and the portal, then stops the demo.
      expect((await fetch(`http://127.0.0.1:${appPort}/`)).status).toBe(200);
      expect((await fetch(portalUrl)).status).toBe(200);
      child.kill('SIGTERM');
      // By its exit, everything it logged is out (the demo logs synchronously): a request line at info would be here.
      expect(await exited, output).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    // The start-up log lines, then the banner, whose last line is the portal's URL: the last line printed
    // (a start-up line written late, or a line per request at info, would come after it).
    const printed = output.trimEnd();
    expect(printed.split('\n').at(-1)?.trim(), printed).toBe(portalUrl);
    expect(printed.slice(0, printed.indexOf('Team Push demo'))).toMatch(/"msg":"database opened".*\n.*"msg":"database migrated"/s);
    const logLines = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
    expect(logLines.filter((line) => line.req)).toEqual([]);
  });
});
