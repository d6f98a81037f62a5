// `npm start`: build what is missing or stale (client with Vite, server with tsc), then run the server.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function isStale(output, ...sources) {
  if (!existsSync(output)) return true;
  const built = statSync(output).mtimeMs;
  return sources.some((source) => (statSync(source).isDirectory() ? newestMtime(source) : statSync(source).mtimeMs) > built);
}

const run = (command, args) => execFileSync(command, args, { cwd: root, stdio: 'inherit' });

// Both sides import the API contract (contract/), so a change there rebuilds both.
if (isStale(path.join(root, 'dist/client/index.html'), path.join(root, 'client'), path.join(root, 'contract'), path.join(root, 'vite.config.ts'))) {
  console.log('Building the client…');
  run(bin('vite'), ['build', '--logLevel', 'warn']);
}
if (isStale(path.join(root, 'dist/server/main.js'), path.join(root, 'server'), path.join(root, 'contract'), path.join(root, 'tsconfig.build.json'))) {
  console.log('Building the server…');
  run(bin('tsc'), ['-p', 'tsconfig.build.json']);
}
await import(path.join(root, 'dist/server/main.js'));
