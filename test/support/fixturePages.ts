import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { builtClientPages, type ClientPages } from '../../server/http/clientPages.js';

/**
 * A tiny stand-in for the Vite build (two HTML pages and one asset) so server tests run without
 * building the client. The real build is what the Playwright tests load.
 */
export function fixtureClientPages(): ClientPages {
  const dist = mkdtempSync(path.join(tmpdir(), 'client-dist-'));
  mkdirSync(path.join(dist, 'assets'));
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>app page</title>');
  writeFileSync(path.join(dist, 'install.html'), '<!doctype html><title>install page</title>');
  writeFileSync(path.join(dist, 'assets', 'main-abc.js'), 'console.log(1)');
  return builtClientPages(dist);
}
