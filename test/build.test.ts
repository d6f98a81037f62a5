import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The server build (`npm run build:server`, tsconfig.build.json) holds production code only: it is run
 * into a temporary folder and what it emits is checked. `exclude` in tsconfig.build.json is not enough
 * on its own (tsc still compiles whatever an included file imports), hence this test and the ESLint
 * rule that keeps server/ from importing e2e/, test/ and the test libraries.
 */

const root = fileURLToPath(new URL('..', import.meta.url));
const TSC = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const run = promisify(execFile);

/** What the build emits: the server, and the API contract it shares with the client (contract/). */
const PRODUCTION_FOLDERS = ['server', 'contract'];

/** Packages only tests use: production code importing one is test code. */
const TEST_PACKAGES = ['vitest', '@vitest/', '@playwright/test', 'fast-check'];

let outDir: string;
let files: string[];

/** Every file under `folder`, as paths relative to it with `/` separators. */
async function listFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(folder, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

/** The module specifiers a compiled file imports or re-exports, static and dynamic. */
function importedSpecifiers(source: string): string[] {
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])([^'"]+)\1/g;
  return [...source.matchAll(pattern)].map((match) => match[2]!);
}

describe('the server build (tsconfig.build.json)', () => {
  beforeAll(async () => {
    outDir = await mkdtemp(path.join(tmpdir(), 'team-push-build-'));
    await run(process.execPath, [TSC, '-p', 'tsconfig.build.json', '--outDir', outDir], { cwd: root });
    files = await listFiles(outDir);
  }, 180_000);

  afterAll(async () => {
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('emits the server (and the contract) and nothing from beside it (e2e/, test/, scripts/ …)', () => {
    expect(files).toContain('server/main.js');
    expect(files).toContain('contract/sends.js');
    expect(files.filter((file) => !PRODUCTION_FOLDERS.some((folder) => file.startsWith(`${folder}/`)))).toEqual([]);
  });

  it('emits no test and no test support', () => {
    const isTestPath = (file: string) =>
      file.split('/').some((segment) => /^test/i.test(segment) || /\.(test|spec)\./i.test(segment) || segment === '__tests__');
    expect(files.filter(isTestPath)).toEqual([]);
  });

  it('emits no code that imports a test library, the simulator or test code', async () => {
    const offending: string[] = [];
    for (const file of files.filter((name) => name.endsWith('.js'))) {
      const absolute = path.join(outDir, file);
      for (const specifier of importedSpecifiers(await readFile(absolute, 'utf8'))) {
        const testPackage = TEST_PACKAGES.some((name) => specifier === name || specifier.startsWith(name.endsWith('/') ? name : `${name}/`));
        const relative = specifier.startsWith('.');
        const target = path.resolve(path.dirname(absolute), specifier);
        const outsideProduction = relative && !PRODUCTION_FOLDERS.some((folder) => target.startsWith(path.join(outDir, folder) + path.sep));
        if (testPackage || outsideProduction) offending.push(`${file} imports ${specifier}`);
      }
    }
    expect(offending).toEqual([]);
  });
});
