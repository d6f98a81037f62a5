// `npm run build:server [-- --outDir <dir>]` (default dist/): removes everything tsc emitted there before
// (all but the client, which `vite build` replaces itself), then compiles the server and the API contract
// (tsconfig.build.json) and the operators' commands `portals` and `rotate-key` (tsconfig.cli.json), so
// that production runs them with node alone.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const root = path.resolve(import.meta.dirname, '..');
const TSC = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');

export function buildServer(outDir = path.join(root, 'dist')) {
  if (existsSync(outDir)) {
    for (const entry of readdirSync(outDir)) {
      if (entry !== 'client') rmSync(path.join(outDir, entry), { recursive: true, force: true });
    }
  }
  for (const project of ['tsconfig.build.json', 'tsconfig.cli.json']) {
    execFileSync(process.execPath, [TSC, '-p', project, '--outDir', outDir], { cwd: root, stdio: 'inherit' });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  const { values } = parseArgs({ options: { outDir: { type: 'string' } } });
  try {
    buildServer(values.outDir ? path.resolve(values.outDir) : undefined);
  } catch {
    // tsc has printed its errors.
    process.exit(1);
  }
}
