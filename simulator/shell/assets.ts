import { readdirSync } from 'node:fs';

const JS = 'text/javascript; charset=utf-8';

/**
 * The portal page's native ES modules (assets/shell/, one per job; the entry is main.js), as paths
 * under assets/. The page preloads them all so that they are fetched in parallel, not import by import.
 */
export const SHELL_MODULES: readonly string[] = readdirSync(new URL('./assets/shell/', import.meta.url))
  .filter((name) => name.endsWith('.js'))
  .sort()
  .map((name) => `shell/${name}`);

/** The files under assets/ the shell serves at /_sim/shell/assets/<path> (routes.ts), with their content types. */
export const ASSETS: Readonly<Record<string, string>> = {
  'phone.js': JS,
  'shell.css': 'text/css; charset=utf-8',
  ...Object.fromEntries(SHELL_MODULES.map((module) => [module, JS])),
};
