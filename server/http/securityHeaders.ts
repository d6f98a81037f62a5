import helmet from 'helmet';
import type { RequestHandler } from 'express';
import { frameAncestorsPolicy, portalOrigins } from './frameAncestors.js';

/**
 * helmet's protections on every response, with a Content-Security-Policy that fits an app living in
 * the Bitrix24 iframe: scripts only from us, REST calls to us and the portal, images also from the portal and any https host (photos,
 * the admin's avatar URL), nothing framed by anyone (pages Bitrix24 embeds name their portal in
 * `frame-ancestors`, see `pageContentSecurityPolicy`), and no X-Frame-Options (it cannot name a
 * third-party origin and would keep the app out of the portal).
 */

type Directives = Record<string, string[]>;

function directives(portals: readonly string[], development: boolean): Directives {
  return {
    'default-src': ["'self'"],
    // Vite's dev server injects an inline React Refresh preamble and talks over a websocket.
    'script-src': development ? ["'self'", "'unsafe-inline'"] : ["'self'"],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:', 'https:', ...portals],
    // B24Frame calls the portal's REST API directly from the iframe.
    'connect-src': development ? ["'self'", ...portals, 'ws:', 'wss:'] : ["'self'", ...portals],
    'font-src': ["'self'", 'data:'],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
  };
}

function serialise(all: Directives): string {
  return Object.entries(all)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ');
}

/** The policy of a page Bitrix24 embeds: the general one, framed only by the portal(s) named. */
export function pageContentSecurityPolicy(portalEndpoints: readonly string[], options: { development: boolean }): string {
  return `${serialise(directives(portalOrigins(portalEndpoints), options.development))}; ${frameAncestorsPolicy(portalEndpoints)}`;
}

export function securityHeaders(options: { development: boolean }): RequestHandler {
  const general = directives([], options.development);
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: Object.fromEntries([...Object.entries(general), ['frame-ancestors', ["'none'"]]]),
    },
    frameguard: false,
    crossOriginEmbedderPolicy: false,
  });
}
