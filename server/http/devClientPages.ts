import path from 'node:path';
import { readFile } from 'node:fs/promises';
import type { ClientPages } from './clientPages.js';

/** `npm run dev`: Vite in middleware mode, HTML transformed on each request for hot reload. */
export async function devClientPages(): Promise<ClientPages & { close(): Promise<void> }> {
  const { createServer } = await import('vite');
  const root = path.resolve(import.meta.dirname, '../../client');
  const vite = await createServer({ configFile: path.resolve(root, '../vite.config.ts'), server: { middlewareMode: true }, appType: 'custom' });
  return {
    assets: vite.middlewares,
    async html(page) {
      const template = await readFile(path.join(root, `${page}.html`), 'utf8');
      return vite.transformIndexHtml(page === 'index' ? '/' : `/${page}.html`, template);
    },
    close: () => vite.close(),
  };
}
