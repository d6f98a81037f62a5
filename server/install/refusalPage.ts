import type { Request, Response } from 'express';
import { LANGUAGES, TEXTS, type Language, type RefusalReason } from '../../contract/errorMessages.js';
import { frameAncestorsPolicy } from '../http/frameAncestors.js';

/**
 * An install or app-page opening we cannot serve still answers inside the portal's iframe: a small page
 * saying what happened and what the admin can do. A page with `frame-ancestors 'none'` would show only
 * the browser's "refused to connect" box. These pages hold no data worth clickjacking, so the portal the
 * request claims (DOMAIN and PROTOCOL of the query, the form Bitrix24 posts to) may frame them; the
 * claim is used for that header only, never to reach anything. The pages' texts, in the portal's
 * language, are in contract/texts/ (`refusalPages`, one file per language).
 */

export type { RefusalReason };

/** A host name with an optional port, as Bitrix24 puts it in DOMAIN. */
const CLAIMED_DOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::\d{1,5})?$/i;

/** The portal origin the request claims (query DOMAIN and PROTOCOL), for frame-ancestors only. */
export function claimedPortalOrigin(req: Request): string | null {
  const domain = typeof req.query.DOMAIN === 'string' ? req.query.DOMAIN.trim() : '';
  if (!CLAIMED_DOMAIN.test(domain)) return null;
  return `${req.query.PROTOCOL === '0' ? 'http' : 'https'}://${domain.toLowerCase()}`;
}

function languageOf(req: Request): Language {
  const lang = typeof req.query.LANG === 'string' ? req.query.LANG.toLowerCase() : '';
  return LANGUAGES.find((language) => language === lang) ?? 'en';
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Answers `status` with the refusal page; `knownPortalEndpoints` (stored, trusted) may frame it too.
 * `detail` (technical, English: which field, which setting) is shown below for whoever reports it.
 */
export function sendRefusal(req: Request, res: Response, status: number, reason: RefusalReason, options: { knownPortalEndpoints?: readonly string[]; detail?: string } = {}): void {
  const knownPortalEndpoints = options.knownPortalEndpoints ?? [];
  const language = languageOf(req);
  const text = TEXTS[language].refusalPages[reason];
  const framers = [...knownPortalEndpoints, claimedPortalOrigin(req)].filter((origin): origin is string => origin !== null);
  res.status(status);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Security-Policy', `default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; ${frameAncestorsPolicy(framers)}`);
  res.type('html').send(`<!doctype html>
<html lang="${language}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(text.title)}</title>
<style>body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:32px;color:#333;background:#fff}main{max-width:560px}h1{font-size:20px;margin:0 0 12px}p{margin:0 0 8px}@media (prefers-color-scheme:dark){body{color:#e6e6e6;background:#1f2329}}</style>
</head>
<body><main role="alert" data-refusal="${reason}"><h1>${escape(text.title)}</h1><p>${escape(text.what)}</p><p>${escape(text.todo)}</p>${options.detail ? `<p><small>${escape(options.detail)}</small></p>` : ''}</main></body>
</html>
`);
}
