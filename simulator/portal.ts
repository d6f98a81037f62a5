import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  AppRegistration,
  Clock,
  DeliveredEvent,
  DelaySpec,
  FaultSpec,
  FrameOpening,
  InstallState,
  OAuthTokenAnswer,
  PortalOptions,
  PushRecord,
  RequestLogEntry,
  SimPortal,
} from './contract.js';
import { createDirectory, type SimDirectory } from './directory.js';
import { bracketFields, postEvent, type EventName } from './eventDelivery.js';
import { FaultQueue, normaliseMethod } from './faults.js';
import { DEFAULT_OPERATING_BUDGET, OperatingMeter } from './operatingTime.js';
import type { AuthContext, EventBinding, PlacementBinding, PortalState } from './methods/types.js';
import { PORTAL_SCOPES } from './methods/app.js';
import { opaqueToken, randomHex } from './random.js';
import { isRecord } from './phpParams.js';
import { DEFAULT_RATE_LIMIT, LeakyBucket } from './rateLimit.js';
import { RequestLog } from './requestLog.js';
import { errors } from './restAnswer.js';
import type { IssuedTokens, TokenStore } from './tokens.js';

/** A simulator-side refusal (not a REST error): the shell and `/_sim/` endpoints pass `error`/`status` on. */
export class SimError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
  ) {
    super(message);
    this.name = 'SimError';
  }
}

/** Answer to `setInstallFinish`: the real portal does not answer it but reloads the frame into the app page. */
export interface FrameReload {
  reload: true;
  opening: FrameOpening;
}

export interface FrameSession {
  appSid: string;
  userId: number;
  placement: string;
  placementOptions: Record<string, unknown>;
  install: boolean;
  lang: string;
  tokens: IssuedTokens;
  /** This opening's FIRST_RUN: answered true by the first getInitData only (applayout.js). */
  firstRun: boolean;
}

export type Credentials =
  | { kind: 'token'; token: string; via: 'body' | 'query' | 'header' }
  | { kind: 'webhook'; userId: number; code: string }
  | { kind: 'none' };

export interface PortalDeps {
  app: AppRegistration;
  tokens: TokenStore;
  clock: Clock;
  host: string;
  /** The OAuth server's base URL (for SERVER_ENDPOINT / server_endpoint). */
  oauthUrl: () => string;
  /** The OAuth server's clock skew (ms) shown in `expires`. */
  oauthClockSkewMs?: number;
  /** Mounts the HTTP routes of a portal (REST, shell, `/_sim/`), on each (re)start. */
  createHandler: (portal: SimPortalImpl) => (req: IncomingMessage, res: ServerResponse) => void;
}


const MEMBER_ID = /^[a-z0-9]{1,64}$/;

/**
 * One simulated Bitrix24 portal on its own origin: directory, REST state, the app's installation and
 * the frame sessions the shell opens.
 */
export class SimPortalImpl implements SimPortal, PortalState {
  readonly label: string;
  readonly memberId: string;
  readonly language: string;
  readonly directory: SimDirectory;
  readonly app: AppRegistration;
  readonly clock: Clock;
  readonly appStatus: OAuthTokenAnswer['status'];

  readonly faults = new FaultQueue();
  /** Operating-time budgets per method (limits.md); `blockMethod` blocks one outright. */
  readonly operating: OperatingMeter;
  readonly log = new RequestLog();
  readonly bucket: LeakyBucket;
  readonly eventBindings: EventBinding[] = [];
  readonly placementBindings: PlacementBinding[] = [];
  readonly pushes: PushRecord[] = [];
  readonly events: DeliveredEvent[] = [];
  readonly appOptions: Record<string, unknown> = {};
  readonly userOptions = new Map<number, Record<string, unknown>>();

  private state: InstallState = 'not_installed';
  private appToken = '';
  private name: string;
  private pushSeq = 0;
  /**
   * Users whose frame sent setInstall {install: true}: the core keeps it as each user's option
   * `params_<app>_<version>`, and FIRST_RUN is true for everyone else (app.layout component.php).
   */
  private readonly installFlagged = new Set<number>();
  private readonly frames = new Map<string, FrameSession>();
  private readonly webhooks = new Map<string, { userId: number; scope: string[] }>();
  private server: Server | undefined;
  /** Origins the portal had before a rename: they answer 302 to the current one. */
  private readonly formerServers: Server[] = [];
  private port = 0;
  private readonly requestedPort: number;
  private readonly framePost: 'full' | 'core';
  private readonly deps: PortalDeps;

  constructor(options: PortalOptions, index: number, deps: PortalDeps) {
    this.deps = deps;
    this.label = options.label ?? `portal${index + 1}`;
    const memberId = options.memberId ?? randomHex(16);
    if (!MEMBER_ID.test(memberId)) throw new Error(`memberId must be lower-case letters and digits: ${memberId}`);
    this.memberId = memberId;
    this.language = options.language ?? 'en';
    this.app = deps.app;
    this.clock = deps.clock;
    this.name = deps.app.name;
    this.appStatus = deps.app.status ?? (deps.app.clientId.startsWith('local.') ? 'L' : 'F');
    this.requestedPort = options.port ?? 0;
    this.framePost = options.framePost ?? 'full';
    this.bucket = new LeakyBucket(deps.clock, options.rateLimit ?? DEFAULT_RATE_LIMIT);
    this.operating = new OperatingMeter(deps.clock, options.operatingBudget ? { ...DEFAULT_OPERATING_BUDGET, ...options.operatingBudget } : DEFAULT_OPERATING_BUDGET);
    this.directory = createDirectory({ users: options.users, seed: options.seed });
    if (options.preinstalled) {
      this.state = 'installed';
      this.appToken = randomHex(16);
    }
  }

  // ---------------------------------------------------------------- addresses

  get origin(): string {
    return `http://${this.domain}`;
  }

  get domain(): string {
    return `${this.deps.host}:${this.port}`;
  }

  get clientEndpoint(): string {
    return `${this.origin}/rest/`;
  }

  get serverEndpoint(): string {
    return `${this.deps.oauthUrl()}/rest/`;
  }

  /** The app's origin: where the shell posts frame answers (REST answers CORS for any origin). */
  get appOrigin(): string {
    return new URL(this.app.url).origin;
  }

  get installState(): InstallState {
    return this.state;
  }

  get applicationToken(): string {
    return this.appToken;
  }

  get appName(): string {
    return this.name;
  }

  get requestLog(): readonly RequestLogEntry[] {
    return this.log.entries;
  }

  shellUrl(opts: { userId?: number; lang?: string } = {}): string {
    const userId = opts.userId ?? this.directory.users.find((u) => u.admin && u.active && u.type === 'employee')?.id ?? 1;
    const url = new URL(`${this.origin}/`);
    url.searchParams.set('user', String(userId));
    if (opts.lang) url.searchParams.set('lang', opts.lang);
    return url.toString();
  }

  phoneUrl(opts: { userId?: number } = {}): string {
    return opts.userId === undefined ? `${this.origin}/phone` : `${this.origin}/phone?user=${opts.userId}`;
  }

  // ---------------------------------------------------------------- server lifecycle

  async start(): Promise<void> {
    this.server = await this.listen(this.requestedPort);
  }

  async close(): Promise<void> {
    const servers = [this.server, ...this.formerServers];
    this.server = undefined;
    this.formerServers.length = 0;
    await Promise.all(servers.map((server) => (server ? closeServer(server) : undefined)));
  }

  /**
   * Moves the portal to a new port, as a renamed portal moves to a new address: the old origin answers
   * every request with a 302 to the same path on the new one (as a renamed Bitrix24 does; nothing runs
   * there), tokens and member_id stay, and the OAuth server's answers carry the new client_endpoint.
   */
  async rename(): Promise<void> {
    const closeOld = await this.moveToNewPort();
    await closeOld();
  }

  /** Starts listening on the new port; the returned function turns the old origin into a redirect (so a request on it can still be answered first). */
  async moveToNewPort(): Promise<() => Promise<void>> {
    const old = this.server;
    this.server = await this.listen(0);
    return async () => {
      if (!old) return;
      const target = this.origin;
      old.removeAllListeners('request');
      old.on('request', (req: IncomingMessage, res: ServerResponse) => {
        req.resume();
        res.writeHead(302, { Location: `${target}${req.url ?? '/'}`, 'Content-Length': '0' });
        res.end();
      });
      this.formerServers.push(old);
    };
  }

  private async listen(port: number): Promise<Server> {
    const server = createServer(this.deps.createHandler(this));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.deps.host, () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.directory.setOrigin(this.origin);
    return server;
  }

  // ---------------------------------------------------------------- tokens and credentials

  issueTokens(userId: number, opts: { scope?: string[] } = {}): OAuthTokenAnswer {
    return this.tokenAnswer(this.issue(userId, opts.scope));
  }

  private issue(userId: number, scope?: string[]): IssuedTokens {
    if (!this.directory.user(userId)) throw new SimError(400, 'UNKNOWN_USER', `No user ${userId} on portal ${this.label}`);
    return this.deps.tokens.issue({ memberId: this.memberId, userId, clientId: this.app.clientId, scope: scope ?? [...this.app.scopes] });
  }

  /**
   * The documented OAuth answer for tokens of this portal (domain = the OAuth server's host). Its scope
   * is `app`, not the granted list, as the real OAuth server answers (settings/oauth/auto-renewal.md);
   * the `scope` REST method says what was granted.
   */
  tokenAnswer(tokens: IssuedTokens): OAuthTokenAnswer {
    return {
      access_token: tokens.accessToken,
      refresh_token: tokens.refreshToken,
      expires: Math.floor((tokens.accessExpiresAt + (this.deps.oauthClockSkewMs ?? 0)) / 1000),
      expires_in: tokens.expiresIn,
      scope: 'app',
      domain: new URL(this.deps.oauthUrl()).host,
      client_endpoint: this.clientEndpoint,
      server_endpoint: this.serverEndpoint,
      member_id: this.memberId,
      user_id: tokens.userId,
      status: this.appStatus,
    };
  }

  createWebhook(userId: number, scope?: string[]): string {
    if (!this.directory.user(userId)) throw new SimError(400, 'UNKNOWN_USER', `No user ${userId} on portal ${this.label}`);
    const code = opaqueToken(16);
    this.webhooks.set(code, { userId, scope: scope ?? [...PORTAL_SCOPES] });
    return `${this.origin}/rest/${userId}/${code}/`;
  }

  /** Resolves a REST call's credentials; a token of another portal or app is unknown here. */
  authenticate(credentials: Credentials): AuthContext {
    if (credentials.kind === 'none') throw errors.noAuth();
    if (credentials.kind === 'webhook') {
      const hook = this.webhooks.get(credentials.code);
      if (!hook || hook.userId !== credentials.userId) throw errors.noAuth();
      return { kind: 'webhook', userId: hook.userId, scope: hook.scope };
    }
    const found = this.deps.tokens.findAccess(credentials.token);
    if (!found || found.binding.memberId !== this.memberId || found.binding.clientId !== this.app.clientId) throw errors.invalidToken();
    // The core's order (rest/lib/oauth/auth.php onRestCheckAuth): is the app installed, then has the token
    // expired, then can its user be authorized. A token of a removed installation, after a reinstall, is
    // UNCONFIRMED: answered as unknown here.
    if (found.ofRemovedInstall) throw this.state === 'uninstalled' ? errors.applicationNotFound() : errors.invalidToken();
    if (found.expired) throw errors.expiredToken();
    if (!this.directory.user(found.binding.userId)?.active) throw errors.authorizationError();
    return { kind: 'app', userId: found.binding.userId, scope: found.binding.scope };
  }

  // ---------------------------------------------------------------- REST-visible state

  recordPush(push: Omit<PushRecord, 'seq' | 'at'>): void {
    this.pushes.push({ seq: ++this.pushSeq, at: this.clock.now(), ...push });
  }

  setAppName(name: string): void {
    this.name = name;
  }

  injectFault(fault: FaultSpec): void {
    this.faults.inject(fault);
  }

  delayCalls(delay: DelaySpec): void {
    this.faults.delay(delay);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  blockMethod(method: string, untilMs: number): void {
    this.operating.block(normaliseMethod(method), untilMs);
  }

  counters(): Record<string, number> {
    return this.log.counters();
  }

  resetCounters(): void {
    this.log.resetCounters();
  }

  boundEvents(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const binding of this.eventBindings) (out[binding.event] ??= []).push(binding.handler);
    return out;
  }

  // ---------------------------------------------------------------- installation and the frame

  /**
   * Opens the install page (the app has one and is not installed: admins only, as on a real portal) or
   * the app page, for a user. The tokens in it are that user's.
   */
  openFrame(userId: number, placement?: 'DEFAULT' | 'INSTALL', opts: { lang?: string; placementOptions?: Record<string, unknown> } = {}): FrameOpening {
    const user = this.directory.user(userId);
    if (!user || !user.active) throw new SimError(400, 'UNKNOWN_USER', `No active user ${userId} on portal ${this.label}`);
    const installPath = this.app.installPath === undefined ? '/install' : this.app.installPath;
    let install = false;
    if (this.state !== 'installed') {
      if (installPath === null) {
        this.beginInstall();
        this.state = 'installed';
      } else {
        if (!user.admin) throw new SimError(403, 'APP_NOT_INSTALLED', 'The application is not installed yet; only an administrator can install it');
        this.beginInstall();
        install = true;
      }
    } else if (placement === 'INSTALL' && installPath !== null) {
      install = true;
    }

    const appSid = randomHex(16);
    const lang = opts.lang ?? this.language;
    const tokens = this.issue(userId);
    const placementCode = install ? 'DEFAULT' : placement === 'INSTALL' ? 'DEFAULT' : (placement ?? 'DEFAULT');
    const session: FrameSession = { appSid, userId, placement: placementCode, placementOptions: opts.placementOptions ?? {}, install, lang, tokens, firstRun: !this.installFlagged.has(userId) };
    this.frames.set(appSid, session);

    const path = install ? (installPath ?? '/') : (this.app.handlerPath ?? '/');
    const hasOptions = Object.keys(session.placementOptions).length > 0;
    // modules/rest/install/components/bitrix/app.layout/templates/.default/template.php
    const coreFields: Record<string, string> = {
      AUTH_ID: tokens.accessToken,
      AUTH_EXPIRES: String(tokens.expiresIn),
      REFRESH_ID: tokens.refreshToken,
      member_id: this.memberId,
      status: this.appStatus,
      PLACEMENT: placementCode,
      ...(hasOptions ? { PLACEMENT_OPTIONS: JSON.stringify(session.placementOptions) } : {}),
    };
    // UNCONFIRMED which of the two a cloud portal sends for a page without options: the install page
    // gets "undefined" and the app page "{}", so the app meets both.
    const fullPlacementOptions = install && !hasOptions ? 'undefined' : JSON.stringify(session.placementOptions);
    const action = new URL(path, this.app.url);
    action.searchParams.set('DOMAIN', this.domain);
    action.searchParams.set('PROTOCOL', '0');
    action.searchParams.set('LANG', lang);
    action.searchParams.set('APP_SID', appSid);
    return {
      action: action.toString(),
      fields: this.framePost === 'core' ? coreFields : { ...coreFields, SERVER_ENDPOINT: this.serverEndpoint, APPLICATION_TOKEN: this.appToken, APPLICATION_SCOPE: tokens.scope.join(','), PLACEMENT_OPTIONS: fullPlacementOptions },
      frameName: `${this.domain}|0|${appSid}`,
      appSid,
      appOrigin: this.appOrigin,
    };
  }

  private beginInstall(): void {
    if (this.state === 'installing') return;
    this.state = 'installing';
    // A (re)installation gets a new application token.
    this.appToken = randomHex(16);
  }

  /** The frame's session behind an APP_SID (for the shell). */
  frameSession(appSid: string): FrameSession | undefined {
    return this.frames.get(appSid);
  }

  async frameCommand(appSid: string, command: string, params: unknown): Promise<unknown> {
    const session = this.frames.get(appSid);
    if (!session) throw new SimError(404, 'UNKNOWN_APP_SID', `No frame with APP_SID ${appSid} on portal ${this.label}`);
    const option = isOption(params) ? params : undefined;
    switch (command) {
      case 'getInitData': {
        const data = this.initData(session);
        session.firstRun = false;
        return data;
      }
      case 'refreshAuth': {
        session.tokens = this.issue(session.userId);
        return {
          AUTH_ID: session.tokens.accessToken,
          AUTH_EXPIRES: String(session.tokens.expiresIn),
          REFRESH_ID: session.tokens.refreshToken,
          member_id: this.memberId,
        };
      }
      case 'setInstall':
        // applayout.js: saves the user's `install` flag and answers with the params it was given.
        if (isRecord(params) && params.install) this.installFlagged.add(session.userId);
        else this.installFlagged.delete(session.userId);
        return params ?? [];
      case 'setInstallFinish': {
        if (session.install) await this.finishInstall(session.userId);
        const reload: FrameReload = { reload: true, opening: this.openFrame(session.userId, 'DEFAULT', { lang: session.lang }) };
        return reload;
      }
      case 'setAppOption':
        if (option) this.appOptions[option.name] = option.value;
        return {};
      case 'setUserOption':
        if (option) {
          const options = this.userOptions.get(session.userId) ?? {};
          options[option.name] = option.value;
          this.userOptions.set(session.userId, options);
        }
        return {};
      case 'getInterface':
        return { command: [], action: [], event: [] };
      default:
        return undefined;
    }
  }

  private initData(session: FrameSession): Record<string, unknown> {
    const user = this.directory.user(session.userId);
    const remaining = Math.max(0, Math.round((session.tokens.accessExpiresAt - this.clock.now()) / 1000));
    return {
      LANG: session.lang,
      DOMAIN: this.domain,
      // Strings, as the SDK's MessageInitData types them (it parses both).
      PROTOCOL: '0',
      PATH: '/rest/',
      AUTH_ID: session.tokens.accessToken,
      AUTH_EXPIRES: String(remaining),
      REFRESH_ID: session.tokens.refreshToken,
      MEMBER_ID: this.memberId,
      IS_ADMIN: user?.admin === true,
      INSTALL: session.install && this.state !== 'installed',
      FIRST_RUN: session.firstRun,
      PLACEMENT: session.placement,
      PLACEMENT_OPTIONS: session.placementOptions,
      APP_OPTIONS: { ...this.appOptions },
      USER_OPTIONS: { ...(this.userOptions.get(session.userId) ?? {}) },
    };
  }

  /** installFinish(): the app counts as installed, then ONAPPINSTALL goes to the handlers bound by then. */
  private async finishInstall(userId: number): Promise<void> {
    if (this.state === 'installed') return;
    this.state = 'installed';
    await this.deliver('ONAPPINSTALL', userId, false);
  }

  async uninstall(opts: { clean?: boolean; forgetTokens?: boolean } = {}): Promise<void> {
    const wasInstalled = this.state === 'installed';
    this.state = 'uninstalled';
    this.deps.tokens.revokeInstallation(this.memberId, this.app.clientId, { forget: opts.forgetTokens });
    this.frames.clear();
    // Events go only to an app whose installation was finished.
    if (wasInstalled) await this.deliver('ONAPPUNINSTALL', 0, opts.clean === true);
    this.eventBindings.length = 0;
    this.placementBindings.length = 0;
    if (opts.clean) {
      for (const key of Object.keys(this.appOptions)) delete this.appOptions[key];
      this.userOptions.clear();
      this.installFlagged.clear();
    }
  }

  private async deliver(event: EventName, triggeredBy: number, clean: boolean): Promise<void> {
    if (event === 'ONAPPINSTALL' && this.state !== 'installed') return;
    const targets = this.eventBindings.map((binding, index) => ({ binding, id: index + 1 })).filter(({ binding }) => binding.event === event && !binding.offline);
    for (const { binding, id } of targets) {
      const fields = bracketFields(this.eventPayload(event, binding, id, triggeredBy, clean));
      const at = this.clock.now();
      const responseStatus = await postEvent(binding.handler, fields);
      this.events.push({ at, event, handler: binding.handler, fields, responseStatus });
    }
  }

  private eventPayload(event: EventName, binding: EventBinding, handlerId: number, triggeredBy: number, clean: boolean): Record<string, unknown> {
    const ts = String(Math.floor(this.clock.now() / 1000));
    if (event === 'ONAPPUNINSTALL') {
      return {
        event,
        event_handler_id: String(handlerId),
        data: { LANGUAGE_ID: this.language, CLEAN: clean ? '1' : '0' },
        ts,
        auth: {
          domain: this.domain,
          server_endpoint: this.serverEndpoint,
          client_endpoint: this.clientEndpoint,
          member_id: this.memberId,
          application_token: this.appToken,
        },
      };
    }
    const tokens = this.issue(binding.authType > 0 ? binding.authType : triggeredBy);
    return {
      event,
      event_handler_id: String(handlerId),
      data: { VERSION: String(this.app.version ?? 1), ACTIVE: 'Y', INSTALLED: 'Y', LANGUAGE_ID: this.language },
      ts,
      auth: {
        access_token: tokens.accessToken,
        expires: String(Math.floor(tokens.accessExpiresAt / 1000)),
        expires_in: String(tokens.expiresIn),
        scope: tokens.scope.join(','),
        domain: this.domain,
        server_endpoint: this.serverEndpoint,
        status: this.appStatus,
        client_endpoint: this.clientEndpoint,
        member_id: this.memberId,
        user_id: String(tokens.userId),
        refresh_token: tokens.refreshToken,
        application_token: this.appToken,
      },
    };
  }
}

function isOption(value: unknown): value is { name: string; value: unknown } {
  return typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string';
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
