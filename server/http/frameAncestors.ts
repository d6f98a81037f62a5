/**
 * Content-Security-Policy `frame-ancestors` for pages Bitrix24 embeds: only the portal that opened the
 * page may frame it. The origin comes from the stored portal (or the OAuth server's answer during an
 * install), never from the request. X-Frame-Options is not sent: it cannot name a third-party origin.
 */
export function frameAncestorsPolicy(portalEndpoints: readonly string[]): string {
  const sources = portalOrigins(portalEndpoints);
  return `frame-ancestors ${sources.length > 0 ? sources.join(' ') : "'none'"}`;
}

/** Each distinct http(s) origin of the given portal URLs; anything else is dropped. */
export function portalOrigins(portalEndpoints: readonly string[]): string[] {
  return [...new Set(portalEndpoints.map(toOrigin).filter((origin): origin is string => origin !== null))];
}

function toOrigin(url: string): string | null {
  if (!URL.canParse(url)) return null;
  const parsed = new URL(url);
  return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.origin : null;
}
