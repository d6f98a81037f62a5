import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type RequestHandler } from 'express';

/** The two HTML entry points Vite builds from client/: the app page and the install page. */
export type ClientPage = 'index' | 'install';

export interface ClientPages {
  /** Serves the client's static files (built: /assets/*, hashed and cached for a year). Mounted at the root. */
  assets: RequestHandler;
  html(page: ClientPage): Promise<string>;
}

/** The project root: the nearest folder with package.json (this file runs from server/ or dist/server/). */
function projectRoot(from: string = import.meta.dirname): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

export const CLIENT_DIST = path.join(projectRoot(), 'dist', 'client');

export function clientIsBuilt(distDir = CLIENT_DIST): boolean {
  return existsSync(path.join(distDir, 'index.html')) && existsSync(path.join(distDir, 'install.html'));
}

/** Built client from dist/client; HTML read once and kept, assets served statically. */
export function builtClientPages(distDir = CLIENT_DIST): ClientPages {
  if (!clientIsBuilt(distDir)) {
    throw new Error(`The client is not built (${distDir} has no index.html): run "npm run build:client"`);
  }
  const cache = new Map<ClientPage, Promise<string>>();
  return {
    assets: express
      .Router()
      .use('/assets', express.static(path.join(distDir, 'assets'), { immutable: true, maxAge: '365d', index: false, fallthrough: false })),
    html(page) {
      let html = cache.get(page);
      if (!html) {
        html = readFile(path.join(distDir, `${page}.html`), 'utf8');
        cache.set(page, html);
      }
      return html;
    },
  };
}
