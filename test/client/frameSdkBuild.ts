import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Sdk from '@bitrix24/b24jssdk';
import { build, type Plugin } from 'vite';
import { frameBuildAliases } from '../../vite.config.js';

/**
 * The SDK as the frame build bundles it: @bitrix24/b24jssdk with vite.config.ts's aliases (axios, luxon and qs-esm
 * replaced by client/platformShims/), built into a temporary folder and imported, so a test drives the SDK's own
 * code over the shims, as the browser does.
 */

export interface FrameSdk {
  HttpV2: typeof Sdk.HttpV2;
  AjaxError: typeof Sdk.AjaxError;
  Text: typeof Sdk.Text;
  LineFormatter: typeof Sdk.LineFormatter;
  /** The files of node_modules the bundle holds (to check no aliased package slipped in). */
  bundledPackages: string[];
  close(): Promise<void>;
}

const ENTRY = 'virtual:frame-sdk';
const EXPORTS = ['HttpV2', 'AjaxError', 'Text', 'LineFormatter'];

export async function buildFrameSdk(): Promise<FrameSdk> {
  const outDir = await mkdtemp(path.join(tmpdir(), 'frame-sdk-'));
  const bundled = new Set<string>();
  const entry: Plugin = {
    name: 'frame-sdk-entry',
    enforce: 'pre',
    // Lib mode hands the entry over as a path under root.
    resolveId: (id) => (id.endsWith(ENTRY) ? `\0${ENTRY}` : null),
    load: (id) => (id === `\0${ENTRY}` ? `export { ${EXPORTS.join(', ')} } from '@bitrix24/b24jssdk';` : null),
    generateBundle(_options, bundle) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk') continue;
        for (const id of Object.keys(chunk.modules)) {
          const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(id);
          if (match) bundled.add(match[1]!);
        }
      }
    },
  };
  await build({
    configFile: false,
    root: path.resolve(import.meta.dirname, '../..'),
    logLevel: 'silent',
    plugins: [entry],
    resolve: { alias: frameBuildAliases },
    build: {
      outDir,
      emptyOutDir: true,
      minify: false,
      lib: { entry: ENTRY, formats: ['es'], fileName: 'frame-sdk' },
    },
  });
  const sdk = (await import(pathToFileURL(path.join(outDir, 'frame-sdk.js')).href)) as Omit<FrameSdk, 'bundledPackages' | 'close'>;
  return { ...sdk, bundledPackages: [...bundled].sort(), close: () => rm(outDir, { recursive: true, force: true }) };
}
