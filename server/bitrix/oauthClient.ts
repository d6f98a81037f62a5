import { z } from 'zod';
import { AnswerTooLargeError, readBoundedJson } from './boundedJson.js';
import { createOAuthServers, restEndpointOf } from './oauthServers.js';

/**
 * The configured Bitrix24 OAuth servers: the trust anchor. A portal's endpoint, member_id and user come
 * from their answers, never from request fields. Each call goes to the configured server the portal's
 * `server_endpoint` names, else to the first (./oauthServers.ts): a `server_endpoint` chooses among them,
 * never adds one. client_secret is sent only to them, in a POST body.
 */

export interface OAuthGrant {
  accessToken: string;
  refreshToken: string;
  /**
   * Epoch ms by this server's clock: the moment the answer arrived plus its `expires_in`. The answer's
   * absolute `expires` is the OAuth server's clock, which may differ from ours (and is often absent).
   */
  expiresAt: number;
  /**
   * The granted scopes when the answer lists them (comma-separated, as the current docs show); null when
   * it says `app` (what the docs showed until 2026-08 and the team captured) or nothing: then the
   * portal's `scope` method knows (decision 0010, fact 33).
   */
  scope: string[] | null;
  memberId: string;
  /** Absent from the documented refresh answer (settings/oauth/auto-renewal.md): null then. */
  userId: number | null;
  /** The portal's REST endpoint, e.g. https://portal.bitrix24.com/rest/ (follows a renamed portal). */
  clientEndpoint: string;
  /** The portal's OAuth server as the answer names it, e.g. https://oauth.bitrix.info/rest/: its next refresh goes there if it is configured. */
  serverEndpoint: string;
  /** The OAuth server's host as it reports itself. */
  domain: string;
  status: string;
}

/** OAuth and transport failures, with the OAuth `error` code when the server gave one. */
export class OAuthError extends Error {
  constructor(
    readonly code: 'invalid_grant' | 'invalid_client' | 'invalid_request' | 'invalid_scope' | 'unavailable' | 'bad_answer' | string,
    message: string,
    readonly httpStatus: number,
  ) {
    super(message);
    this.name = 'OAuthError';
  }
}

const endpointUrl = z
  .string()
  .url()
  .refine((value) => /^https?:\/\//.test(value), 'must be http(s)');

const grantAnswer = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_in: z.coerce.number().int().positive().max(86_400).optional(),
  scope: z.string().default(''),
  member_id: z.string().regex(/^[\w-]{1,64}$/),
  user_id: z.coerce.number().int().positive().optional(),
  client_endpoint: endpointUrl,
  server_endpoint: endpointUrl,
  domain: z.string().default(''),
  status: z.string().default(''),
});

const errorAnswer = z.object({ error: z.string(), error_description: z.string().optional() });

export interface OAuthClientOptions {
  /** The configured OAuth server, or several (one per region): the first is the default. */
  oauthUrl: string | readonly string[];
  clientId: string;
  clientSecret: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** This server's clock (epoch ms): expiry is computed against it. */
  now?: () => number;
}

/** An access token lives one hour (settings/oauth/auto-renewal.md) when the answer does not say. */
const DEFAULT_LIFETIME_S = 3600;

/**
 * What the OAuth server's app.info says of an access token. Its shape is UNCONFIRMED (decision 0004):
 * the portal's fields may stand at the top or under `install` (as the official starter reads them), or
 * be absent; only `member_id` is relied on, `client_endpoint` used when present.
 */
export interface OAuthTokenInfo {
  memberId: string;
  /** The app the token belongs to, when said. */
  clientId: string | null;
  clientEndpoint: string | null;
  /** The `server_endpoint` the answer names, else the REST endpoint of the configured server that answered. */
  serverEndpoint: string;
  status: string | null;
}

/**
 * `serverEndpoint`: the portal's `server_endpoint` (stored, or named by the opening being verified). It
 * picks the configured server the call goes to; one that names none of them gets the default.
 */
export interface OAuthClient {
  /** A refresh_token grant. The refresh token is single-use: callers must store the new pair before anyone uses it. */
  refresh(refreshToken: string, serverEndpoint?: string | null): Promise<OAuthGrant>;
  /** Checks an access token at the OAuth server without spending anything (no refresh, no secret). */
  tokenInfo(accessToken: string, serverEndpoint?: string | null): Promise<OAuthTokenInfo>;
}

const portalFields = z.object({
  member_id: z.string().regex(/^[\w-]{1,64}$/).optional(),
  client_endpoint: endpointUrl.optional(),
  server_endpoint: endpointUrl.optional(),
  status: z.string().max(4).optional(),
});
const tokenInfoAnswer = z.object({
  result: portalFields.extend({
    client_id: z.string().max(128).optional(),
    install: portalFields.optional(),
  }),
});

export function createOAuthClient(options: OAuthClientOptions): OAuthClient {
  const doFetch = options.fetch ?? fetch;
  const servers = createOAuthServers(options.oauthUrl);
  const tokenUrl = (server: string) => `${server}/oauth/token/`;
  const appInfoUrl = (server: string) => `${server}/rest/app.info`;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const now = options.now ?? Date.now;

  /** A form POST to the OAuth server: the parsed JSON answer, or an OAuthError. */
  async function post(url: string, body: URLSearchParams): Promise<{ payload: unknown; status: number }> {
    let response: Response;
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      throw new OAuthError('unavailable', `The Bitrix24 OAuth server could not be reached (${(error as Error).name})`, 0);
    }
    let payload: unknown;
    try {
      payload = await readBoundedJson(response);
    } catch (error) {
      // Far larger than any token answer: not read to its end, and not an answer we can use.
      if (error instanceof AnswerTooLargeError) throw new OAuthError('bad_answer', `The Bitrix24 OAuth server sent an oversized answer (${error.message})`, response.status);
      throw error;
    }
    const failure = errorAnswer.safeParse(payload);
    if (failure.success) {
      throw new OAuthError(failure.data.error, failure.data.error_description ?? failure.data.error, response.status);
    }
    if (!response.ok) {
      throw new OAuthError('unavailable', `The Bitrix24 OAuth server answered HTTP ${response.status}`, response.status);
    }
    return { payload, status: response.status };
  }

  return {
    async tokenInfo(accessToken, serverEndpoint) {
      const server = servers.pick(serverEndpoint);
      const { payload, status } = await post(appInfoUrl(server), new URLSearchParams({ auth: accessToken }));
      const answer = tokenInfoAnswer.safeParse(payload);
      const top = answer.success ? answer.data.result : null;
      const memberId = top?.member_id ?? top?.install?.member_id;
      if (!top || !memberId) throw new OAuthError('bad_answer', 'The Bitrix24 OAuth server gave a token check without member_id', status);
      const clientEndpoint = top.client_endpoint ?? top.install?.client_endpoint ?? null;
      return {
        memberId,
        clientId: top.client_id ?? null,
        clientEndpoint: clientEndpoint === null || clientEndpoint.endsWith('/') ? clientEndpoint : `${clientEndpoint}/`,
        serverEndpoint: top.server_endpoint ?? top.install?.server_endpoint ?? restEndpointOf(server),
        status: top.install?.status ?? top.status ?? null,
      };
    },

    async refresh(refreshToken, serverEndpoint) {
      const body = new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: options.clientId,
        client_secret: options.clientSecret,
        refresh_token: refreshToken,
      });
      const { payload, status } = await post(tokenUrl(servers.pick(serverEndpoint)), body);
      const receivedAt = now();
      const grant = grantAnswer.safeParse(payload);
      if (!grant.success) {
        throw new OAuthError('bad_answer', 'The Bitrix24 OAuth server gave an answer without the expected fields', status);
      }
      const g = grant.data;
      return {
        accessToken: g.access_token,
        refreshToken: g.refresh_token,
        expiresAt: receivedAt + (g.expires_in ?? DEFAULT_LIFETIME_S) * 1000,
        scope: grantedScopes(g.scope),
        memberId: g.member_id,
        userId: g.user_id ?? null,
        clientEndpoint: g.client_endpoint.endsWith('/') ? g.client_endpoint : `${g.client_endpoint}/`,
        serverEndpoint: g.server_endpoint,
        domain: g.domain,
        status: g.status,
      };
    },
  };
}

function grantedScopes(answer: string): string[] | null {
  const scopes = answer.split(/[,\s]+/).filter(Boolean);
  return scopes.length === 0 || (scopes.length === 1 && scopes[0] === 'app') ? null : scopes;
}
