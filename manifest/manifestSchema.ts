import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** The app's Market description (manifest/app.json), as the vendor's version card asks for it. */

const languages = z.strictObject({ en: z.string().min(1).max(100), ru: z.string().min(1).max(100), de: z.string().min(1).max(100) });
const path = z.string().regex(/^\/[\w\-/]*$/, 'a path on the app, starting with /');

export const manifestSchema = z.strictObject({
  $comment: z.string().optional(),
  // Market codes are `vendor.app` (e.g. `telefum24.kp10` in bitrix24/b24restdocs api-reference/common/system/app-info.md).
  code: z
    .string()
    .min(3)
    .max(50)
    .regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/, 'lower-case letters, digits and _, in dot-separated parts (vendor.app)'),
  version: z.number().int().positive(),
  names: languages,
  scopes: z.array(z.enum(['pull', 'user_brief', 'user', 'department', 'sonet_group', 'placement'])).min(1),
  handlers: z.strictObject({ app: path, install: path, events: path }),
  menu: z.strictObject({ placement: z.literal('DEFAULT'), titles: languages }),
});

export type Manifest = z.infer<typeof manifestSchema>;

export const MANIFEST_PATH = new URL('./app.json', import.meta.url);

export function loadManifest(file: URL | string = MANIFEST_PATH): Manifest {
  return manifestSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}

/** The values to paste into the vendor's version card, for an app served at `publicUrl`. */
export function vendorCard(manifest: Manifest, publicUrl: string): Array<[string, string]> {
  const base = new URL(publicUrl);
  if (base.protocol !== 'https:') throw new Error('The public URL must be https:// (Bitrix24 loads the app over https).');
  const at = (handler: string) => new URL(handler.replace(/^\//, ''), base.href.endsWith('/') ? base.href : `${base.href}/`).href;
  return [
    ['App code', manifest.code],
    ['Version', String(manifest.version)],
    ['Name (en)', manifest.names.en],
    ['Name (ru)', manifest.names.ru],
    ['Name (de)', manifest.names.de],
    ['Access permissions (scopes)', manifest.scopes.join(', ')],
    ['Handler path (app URL)', at(manifest.handlers.app)],
    ['Initial installation path', at(manifest.handlers.install)],
    ['Menu item text (en)', manifest.menu.titles.en],
    ['Menu item text (ru)', manifest.menu.titles.ru],
    ['Menu item text (de)', manifest.menu.titles.de],
    ['Event handler (bound at install, not in the card)', at(manifest.handlers.events)],
    ['Server setting B24_APP_NAME', manifest.names.en],
    ['Server setting PUBLIC_URL', base.href.replace(/\/$/, '')],
  ];
}
