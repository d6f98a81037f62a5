/**
 * The configured Bitrix24 OAuth servers (B24_OAUTH_URL), the first being the default. Bitrix24 runs more
 * than one: the PHP SDK names one per region (`bitrix24/b24phpsdk`
 * `src/Core/Credentials/DefaultOAuthServerUrl.php`: west `https://oauth.bitrix.info/`, the default, and
 * east `https://oauth.bitrix24.tech/`), and each portal says which is its own in its `server_endpoint`
 * (`https://oauth.bitrix.info/rest/`), where the SDKs refresh its tokens (decision 0010, fact 31).
 *
 * A `server_endpoint` only ever CHOOSES among the configured servers: one that names none of them
 * (a typing slip, a request's made-up field, a region we were not configured for) gets the default.
 * No host outside the list is ever contacted, so client_secret goes nowhere else.
 */
export interface OAuthServers {
  /** Base URLs, without a trailing slash; the first is the default. */
  readonly urls: readonly string[];
  /** The configured server a `server_endpoint` (or a base URL) names, else the default one. */
  pick(serverEndpoint?: string | null): string;
  /** The configured server a `server_endpoint` names; null when it names none of them. */
  find(serverEndpoint: string | null | undefined): string | null;
}

export function createOAuthServers(urls: string | readonly string[]): OAuthServers {
  const list = (typeof urls === 'string' ? [urls] : [...urls]).map((url) => url.trim().replace(/\/+$/, '')).filter(Boolean);
  const [first] = list;
  if (first === undefined) throw new TypeError('At least one OAuth server URL is required');
  const byKey = new Map<string, string>();
  for (const url of list) {
    const key = serverKey(url);
    if (key === null) throw new TypeError(`Not an http(s) OAuth server URL: ${url}`);
    if (!byKey.has(key)) byKey.set(key, url);
  }
  const find = (serverEndpoint: string | null | undefined): string | null => {
    if (!serverEndpoint) return null;
    const key = serverKey(serverEndpoint);
    return key === null ? null : (byKey.get(key) ?? null);
  };
  return {
    urls: [...byKey.values()],
    find,
    pick: (serverEndpoint) => find(serverEndpoint) ?? first,
  };
}

/** A server's REST endpoint, as Bitrix24 writes `server_endpoint`: `https://oauth.bitrix.info/rest/`. */
export function restEndpointOf(serverUrl: string): string {
  return `${serverUrl.replace(/\/+$/, '')}/rest/`;
}

/**
 * What identifies a server: scheme, host and port (as the URL parser normalises them: lower-case host,
 * no default port) and the path without trailing slashes or the `/rest` the endpoint ends with (the JS
 * SDK strips `/rest/` from `server_endpoint` to refresh: `@bitrix24/b24jssdk` `dist/esm/oauth/auth.mjs`).
 * Credentials, a query or a fragment make it no server of ours.
 */
function serverKey(value: string): string | null {
  if (!URL.canParse(value)) return null;
  const url = new URL(value);
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') return null;
  const path = url.pathname.replace(/\/+$/, '').replace(/\/rest$/i, '');
  return `${url.protocol}//${url.host}${path}`;
}
