import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppRegistration, Clock, RequestLogEntry, SimOAuthServer } from './contract.js';
import { appInfo } from './methods/app.js';
import { parsePhpQuery, type Params } from './phpParams.js';
import type { SimPortalImpl } from './portal.js';
import { errors, RestError, restTime } from './restAnswer.js';
import { parseBody, readBody, sendJson } from './restHttp.js';
import type { TokenStore } from './tokens.js';

export interface OAuthServerDeps {
  app: AppRegistration;
  tokens: TokenStore;
  clock: Clock;
  host: string;
  port: number;
  portalByMemberId: (memberId: string) => SimPortalImpl | undefined;
  /** The shape of /rest/app.info answers (SimulatorOptions.oauthAppInfoShape). */
  appInfoShape?: 'flat' | 'nested' | 'minimal';
  /** What a refresh answer's `scope` says (SimulatorOptions.oauthRefreshScope): `app`, or the granted list. */
  refreshScope?: 'app' | 'list';
}

class OAuthError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

/**
 * One simulated OAuth server (oauth.bitrix.info, or another region's: SimulatorOptions.oauthServerCount):
 * the refresh_token grant at /oauth/token/ and app.info at /rest/app.info for token checks. It knows
 * only the tokens of its own portals (its own token store), and its answers carry each portal's CURRENT
 * client_endpoint and its own server_endpoint.
 */
export class SimOAuthServerImpl implements SimOAuthServer {
  private server: Server | undefined;
  private baseUrl = '';
  private secretInUrl = false;
  private readonly log: RequestLogEntry[] = [];

  constructor(private readonly deps: OAuthServerDeps) {}

  get url(): string {
    return this.baseUrl;
  }

  get requestLog(): readonly RequestLogEntry[] {
    return this.log;
  }

  get secretSeenInUrl(): boolean {
    return this.secretInUrl;
  }

  refreshCount(memberId?: string, userId?: number): number {
    return this.deps.tokens.refreshCount(memberId, userId);
  }

  revokeRefreshToken(refreshToken: string): void {
    this.deps.tokens.revokeRefreshToken(refreshToken);
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.deps.port, this.deps.host, () => resolve());
    });
    this.server = server;
    this.baseUrl = `http://${this.deps.host}:${(server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://oauth.invalid');
    const path = url.pathname.replace(/\/+$/, '');
    const query = parsePhpQuery(url.search.slice(1));
    if ('client_secret' in query) this.secretInUrl = true;
    let body: Params = {};
    try {
      body = parseBody(await readBody(req), req.headers['content-type']);
    } catch {
      body = {};
    }
    const params: Params = { ...query, ...body };
    if (path === '/oauth/token') this.token(params, res);
    else if (path === '/rest/app.info' || path === '/rest/app.info.json') this.appInfo(query, body, req, res);
    else if (path === '/_sim/state') sendJson(res, 200, { url: this.url, secretSeenInUrl: this.secretInUrl, refreshes: this.refreshCount() });
    else sendJson(res, 404, { error: 'NOT_FOUND', error_description: 'Not found' });
  }

  private token(params: Params, res: ServerResponse): void {
    const entry: RequestLogEntry = { at: this.deps.clock.now(), method: 'oauth/token', httpStatus: 0 };
    try {
      const grant = str(params.grant_type);
      if (!grant) throw new OAuthError(400, 'invalid_request', 'grant_type is required');
      if (grant !== 'refresh_token') throw new OAuthError(400, 'unsupported_grant_type', 'Unsupported grant type');
      const clientId = str(params.client_id);
      const clientSecret = str(params.client_secret);
      const refreshToken = str(params.refresh_token);
      if (!clientId || !clientSecret) throw new OAuthError(400, 'invalid_request', 'client_id and client_secret are required');
      if (clientId !== this.deps.app.clientId || clientSecret !== this.deps.app.clientSecret) {
        throw new OAuthError(401, 'invalid_client', 'Invalid client credentials');
      }
      if (!refreshToken) throw new OAuthError(400, 'invalid_request', 'refresh_token is required');
      const refreshed = this.deps.tokens.useRefreshToken(refreshToken, clientId);
      if (!refreshed.ok) throw new OAuthError(400, 'invalid_grant', 'Invalid refresh token');
      const portal = this.deps.portalByMemberId(refreshed.tokens.memberId);
      if (!portal || portal.installState === 'uninstalled') throw new OAuthError(400, 'invalid_grant', 'Application is not installed');
      entry.httpStatus = 200;
      entry.userId = refreshed.tokens.userId;
      this.log.push(entry);
      const answer = portal.tokenAnswer(refreshed.tokens);
      // The current docs' sample lists the granted scopes, comma-separated; earlier ones (and the team's captures) said `app`.
      sendJson(res, 200, this.deps.refreshScope === 'list' ? { ...answer, scope: refreshed.tokens.scope.join(',') } : answer);
    } catch (error) {
      const failure = error instanceof OAuthError ? error : new OAuthError(500, 'server_error', 'Internal error');
      entry.httpStatus = failure.httpStatus;
      entry.error = failure.error;
      this.log.push(entry);
      sendJson(res, failure.httpStatus, { error: failure.error, error_description: failure.description });
    }
  }

  /**
   * Token check on the OAuth server. UNCONFIRMED: the real answer's exact shape is not documented. The
   * portal's app.info fields plus client_id and member_id always; the portal's user_id, domain,
   * endpoints, scope and expiry at the top ('flat'), under `install` ('nested', as the official starter
   * reads `install.installed`), or not at all ('minimal'). An app must handle each.
   */
  private appInfo(query: Params, body: Params, req: IncomingMessage, res: ServerResponse): void {
    const started = this.deps.clock.now();
    const entry: RequestLogEntry = { at: started, method: 'app.info', httpStatus: 0 };
    const fromHeader = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const token = str(body.auth) || str(query.auth) || fromHeader;
    entry.authVia = str(body.auth) ? 'body' : str(query.auth) ? 'query' : fromHeader ? 'header' : 'none';
    try {
      if (!token) throw errors.noAuth();
      const found = this.deps.tokens.findAccess(token);
      const portal = found ? this.deps.portalByMemberId(found.binding.memberId) : undefined;
      if (!found || !portal) throw errors.invalidToken();
      if (found.expired) throw errors.expiredToken();
      entry.httpStatus = 200;
      entry.userId = found.binding.userId;
      this.log.push(entry);
      const shape = this.deps.appInfoShape ?? 'nested';
      const portalFields = {
        member_id: portal.memberId,
        domain: portal.domain,
        client_endpoint: portal.clientEndpoint,
        server_endpoint: `${this.url}/rest/`,
        status: portal.appStatus,
      };
      const base = { ...appInfo(portal), client_id: found.binding.clientId, member_id: portal.memberId };
      const tokenFields = { user_id: found.binding.userId, scope: found.binding.scope.join(','), expires: Math.floor(found.expiresAt / 1000) };
      const result =
        shape === 'minimal'
          ? base
          : shape === 'flat'
            ? { ...base, ...tokenFields, ...portalFields }
            : { ...base, ...tokenFields, install: { installed: portal.installState === 'installed', version: portal.app.version ?? 1, ...portalFields } };
      sendJson(res, 200, {
        result,
        time: restTime(this.deps.clock, started, 1),
      });
    } catch (error) {
      const failure = error instanceof RestError ? error : new RestError(500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
      entry.httpStatus = failure.httpStatus;
      entry.error = failure.error;
      this.log.push(entry);
      sendJson(res, failure.httpStatus, failure.toJSON());
    }
  }
}

function str(value: unknown): string {
  return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
}

