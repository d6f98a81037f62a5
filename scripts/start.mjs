// `npm start` runs the compiled server from dist/; `npm run portals` and `npm run rotate-key` run the
// compiled operators' commands (`node scripts/start.mjs portals|rotate-key`).
//
// A source checkout with the dev tools installed (`npm ci`) first builds what is missing or stale: client
// with Vite, server with tsc. A production install (dist/ built, `npm ci --omit=dev`, no sources: see
// "Production install" in README.md and the Dockerfile) never builds. This file is shipped with dist/ and
// imports nothing but node: at run time.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const at = (...parts) => path.join(root, ...parts);

const ENTRY_POINTS = {
  server: 'dist/server/main.js',
  portals: 'dist/scripts/portals.js',
  'rotate-key': 'dist/scripts/rotateKey.js',
};
const command = process.argv[2] ?? 'server';
if (!Object.hasOwn(ENTRY_POINTS, command)) {
  console.error(`Unknown command "${command}": one of ${Object.keys(ENTRY_POINTS).join(', ')}`);
  process.exit(2);
}

const SERVER_OUTPUTS = Object.values(ENTRY_POINTS).map((file) => at(file));
const SERVER_SOURCES = ['server', 'contract', 'scripts', 'tsconfig.json', 'tsconfig.build.json', 'tsconfig.cli.json'].map((file) => at(file));
// Both sides import the API contract (contract/), so a change there rebuilds both.
const CLIENT_OUTPUTS = [at('dist/client/index.html'), at('dist/client/install.html')];
const CLIENT_SOURCES = ['client', 'contract', 'vite.config.ts'].map((file) => at(file));

const isSourceCheckout = existsSync(at('server/main.ts'));
const hasBuildTools = existsSync(at('node_modules/typescript/bin/tsc')) && existsSync(at('node_modules/vite/bin/vite.js'));

function newestMtime(file) {
  if (!existsSync(file)) return 0;
  const stat = statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(file).map((entry) => newestMtime(path.join(file, entry))));
}

function isStale(outputs, sources) {
  if (!outputs.every((file) => existsSync(file))) return true;
  const built = Math.min(...outputs.map((file) => statSync(file).mtimeMs));
  return sources.some((source) => newestMtime(source) > built);
}

if (isSourceCheckout && hasBuildTools) {
  // Progress goes to stderr: the commands' own output stays clean.
  try {
    if (command === 'server' && isStale(CLIENT_OUTPUTS, CLIENT_SOURCES)) {
      console.error('Building the client…');
      execFileSync(process.execPath, [at('node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: root, stdio: ['ignore', 2, 2] });
    }
    if (isStale(SERVER_OUTPUTS, SERVER_SOURCES)) {
      console.error('Building the server…');
      const { buildServer } = await import('./buildServer.mjs');
      buildServer();
    }
  } catch {
    console.error('The build failed (its errors are above).');
    process.exit(1);
  }
}

const entryPoint = at(ENTRY_POINTS[command]);
if (!existsSync(entryPoint)) {
  console.error(`${ENTRY_POINTS[command]} is missing: build first (npm ci && npm run build), then install for production with npm ci --omit=dev.`);
  process.exit(1);
}
await import(entryPoint);
