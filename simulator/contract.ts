/**
 * The Bitrix24 portal simulator's public contract.
 *
 * The simulator stands in for Bitrix24 (OAuth server + one or more portals) in integration tests,
 * end-to-end tests and `npm run demo`. It follows docs/decisions/0010-platform-facts.md. Everything a
 * test may read or drive is declared here; the implementation lives beside this file.
 */

import type { OperatingBudget } from './operatingTime.js';

/** Milliseconds since the epoch; injectable so tests can drive token expiry and the rate limit. */
export interface Clock {
  now(): number;
}

export type UserType = 'employee' | 'extranet' | 'email' | 'bot';

export interface DirectoryUser {
  id: number;
  name: string;
  lastName: string;
  secondName: string;
  position: string;
  /** Direct departments (ids). Extranet, email and bot users have none. */
  departments: number[];
  active: boolean;
  type: UserType;
  admin: boolean;
  /** Absolute URL of a photo or '' */
  photo: string;
  online: boolean;
  /** Whether the user has the mobile app with pushes enabled (who really gets a push). */
  pushEnabled: boolean;
}

export interface DirectoryDepartment {
  id: number;
  name: string;
  sort: number;
  /** null for the root (the company). */
  parent: number | null;
  head: number | null;
}

export interface DirectoryGroup {
  id: number;
  name: string;
  /** Member user ids with their role: 'A' owner, 'E' moderator, 'K' member. */
  members: Array<{ userId: number; role: 'A' | 'E' | 'K' }>;
}

export interface Directory {
  users: DirectoryUser[];
  departments: DirectoryDepartment[];
  groups: DirectoryGroup[];
  user(id: number): DirectoryUser | undefined;
}

export interface DirectoryOptions {
  /** Total users (1..50,000). Default 60. */
  users?: number;
  /** PRNG seed, so a directory is the same on every run. Default 1. */
  seed?: number;
}

/** The documented OAuth answer (refresh_token grant), also what issueTokens returns. */
export interface OAuthTokenAnswer {
  access_token: string;
  refresh_token: string;
  expires: number;
  expires_in: number;
  scope: string;
  /** The OAuth server's host, not the portal's. */
  domain: string;
  client_endpoint: string;
  server_endpoint: string;
  member_id: string;
  user_id: number;
  status: 'L' | 'F' | 'D' | 'T' | 'P';
}

export interface FaultSpec {
  /** REST method the fault applies to (e.g. 'pull.application.push.add'); omitted = any method. */
  method?: string;
  /** How many matching calls fail. */
  count: number;
  httpStatus: number;
  error: string;
  description?: string;
  /** Fail at the network level (socket destroyed) instead of answering. */
  network?: boolean;
}

/** A slow portal: the next `count` calls of a method run normally, `delayMs` late (e.g. a preview that takes seconds). */
export interface DelaySpec {
  /** REST method (e.g. 'user.get'; a sub-call of `batch` counts under its own method); omitted = any method. */
  method?: string;
  count: number;
  delayMs: number;
}

export interface RequestLogEntry {
  at: number;
  /** Normalised REST method name, or an OAuth/shell path. */
  method: string;
  httpStatus: number;
  /** Error code when the call failed. */
  error?: string;
  userId?: number;
  /** Set for sub-calls made inside `batch`. */
  viaBatch?: boolean;
  /** How the credentials came: body `auth`, query `auth`, Bearer header, webhook path, none. */
  authVia?: 'body' | 'query' | 'header' | 'webhook' | 'none';
}

export interface PushRecord {
  seq: number;
  at: number;
  userId: number;
  /** The app's registered name at send time. */
  title: string;
  text: string;
  avatar: string;
  /** Who sent it (the token's user). */
  senderId: number;
  /**
   * What each device shows of `text` by the core's payload rules (./pushDevices.ts): the iPhone's body
   * (cut to 2,048 bytes, null when the cut split a character and nothing arrived), Android's text (cut by
   * characters at 4,096 bytes).
   */
  devices: { ios: string | null; android: string | null };
}

export interface DeliveredEvent {
  at: number;
  event: 'ONAPPINSTALL' | 'ONAPPUNINSTALL';
  handler: string;
  /** The form fields exactly as POSTed (bracketed keys). */
  fields: Record<string, string>;
  /** The handler's HTTP status, or 0 when it could not be reached. */
  responseStatus: number;
}

export type InstallState = 'not_installed' | 'installing' | 'installed' | 'uninstalled';

/** What the portal POSTs into the iframe to open the install page or the app page. */
export interface FrameOpening {
  /** Full URL of the handler with DOMAIN, PROTOCOL, LANG, APP_SID in the query. */
  action: string;
  /** The form body fields (AUTH_ID, AUTH_EXPIRES, REFRESH_ID, SERVER_ENDPOINT, APPLICATION_TOKEN, APPLICATION_SCOPE, member_id, status, PLACEMENT, PLACEMENT_OPTIONS). */
  fields: Record<string, string>;
  /** The iframe's `name`: `DOMAIN|PROTOCOL|APP_SID`. */
  frameName: string;
  appSid: string;
  /** Origin of the app (where the shell posts answers to). */
  appOrigin: string;
}

export interface SimPortal {
  readonly label: string;
  /** e.g. http://127.0.0.1:41234 */
  readonly origin: string;
  /** host:port, what Bitrix24 calls DOMAIN */
  readonly domain: string;
  /** e.g. http://127.0.0.1:41234/rest/ */
  readonly clientEndpoint: string;
  readonly memberId: string;
  readonly language: string;
  readonly directory: Directory;
  readonly installState: InstallState;
  readonly applicationToken: string;

  /** The portal page (the Bitrix24 shell) for a signed-in user; default user = the first admin. */
  shellUrl(opts?: { userId?: number; lang?: string }): string;
  /** The phone page: pushes received, for one user or all. */
  phoneUrl(opts?: { userId?: number }): string;

  /** Issue an app token pair for a user, as if the user opened the app (tokens bound to portal, user, app). */
  issueTokens(userId: number, opts?: { scope?: string[] }): OAuthTokenAnswer;
  /** An inbound webhook URL (`<origin>/rest/<userId>/<code>/`) for a user: calls through it are not application authorization. */
  createWebhook(userId: number, scope?: string[]): string;

  /** Open the install page (when the app has one and is not installed) or the app page, for a user. */
  openFrame(userId: number, placement?: 'DEFAULT' | 'INSTALL'): FrameOpening;
  /** Answers a frame command sent by the app through the shell (getInitData, refreshAuth, setInstallFinish, ...). */
  frameCommand(appSid: string, command: string, params: unknown): Promise<unknown>;
  /**
   * Uninstall the app: its refresh tokens die, its access tokens are answered APPLICATION_NOT_FOUND
   * (`forgetTokens`: the unconfirmed alternative, invalid_token), and ONAPPUNINSTALL goes to the bound handler.
   */
  uninstall(opts?: { clean?: boolean; forgetTokens?: boolean }): Promise<void>;
  /** Change the registered app name (the push title); '' provokes EMPTY_APP_NAME. */
  setAppName(name: string): void;
  /** Rename the portal: it moves to a new origin (port); client_endpoint changes, member_id stays. */
  rename(): Promise<void>;

  injectFault(fault: FaultSpec): void;
  /** Slows the next calls of a method down (they then answer normally); `clearFaults` ends it. */
  delayCalls(delay: DelaySpec): void;
  clearFaults(): void;
  /**
   * Blocks a method until `untilMs`, as Bitrix24 does when its operating-time budget is used up: calls
   * answer 429 OPERATION_TIME_LIMIT with `time.operating_reset_at` before running (limits.md).
   */
  blockMethod(method: string, untilMs: number): void;
  readonly requestLog: readonly RequestLogEntry[];
  /** Calls per method (sub-calls of batch counted under their own method and once under 'batch'). */
  counters(): Record<string, number>;
  resetCounters(): void;

  readonly pushes: readonly PushRecord[];
  readonly events: readonly DeliveredEvent[];
  /** Event handlers bound through event.bind: event name -> handler URLs. */
  boundEvents(): Record<string, string[]>;
}

export interface SimOAuthServer {
  /** Base URL, e.g. http://127.0.0.1:41000 (B24_OAUTH_URL for the app). */
  readonly url: string;
  readonly requestLog: readonly RequestLogEntry[];
  /** Number of successful refresh_token grants, per (memberId:userId). */
  refreshCount(memberId?: string, userId?: number): number;
  /** Make a refresh token unusable (as after 180 days, or a revoked install): its next use gets invalid_grant. */
  revokeRefreshToken(refreshToken: string): void;
  /** Whether client_secret ever arrived outside a POST body (query string). Must stay false. */
  readonly secretSeenInUrl: boolean;
}

export interface AppRegistration {
  clientId: string;
  clientSecret: string;
  /** The registered name: the push title. '' provokes EMPTY_APP_NAME. */
  name: string;
  code?: string;
  version?: number;
  /** The app's base URL, e.g. http://127.0.0.1:3000 */
  url: string;
  /** Default '/'. */
  handlerPath?: string;
  /** Default '/install'; null = the app has no install page (installed at once). */
  installPath?: string | null;
  scopes: string[];
  /** Added: the app's status in OAuth answers, the frame POST and events. Default 'L' for a `local.` client id, else 'F'. */
  status?: 'L' | 'F' | 'D' | 'T' | 'P';
}

export interface PortalOptions extends DirectoryOptions {
  label?: string;
  /** 0 = any free port. */
  port?: number;
  memberId?: string;
  language?: 'en' | 'ru' | 'de';
  /** Leaky bucket: burst then drain per second. Default 50 and 2. */
  rateLimit?: { burst: number; drainPerSecond: number };
  /** Install the app at start (skipping the install page), as an already-installed portal. Default false. */
  preinstalled?: boolean;
  /**
   * The fields of the frame's form POST. 'core': exactly what the core's app.layout template posts
   * (AUTH_ID, AUTH_EXPIRES, REFRESH_ID, member_id, status, PLACEMENT, and PLACEMENT_OPTIONS only when not
   * empty); 'full' (default) adds APPLICATION_TOKEN, SERVER_ENDPOINT and APPLICATION_SCOPE, as the team's
   * captures of cloud portals show.
   */
  framePost?: 'full' | 'core';
  /** Operating-time budget per method (limits.md: 480 s in 10 minutes; each call costs 20 ms here unless told). */
  operatingBudget?: Partial<OperatingBudget>;
  /**
   * Which of the simulator's OAuth servers is this portal's (an index into `Simulator.oauthServers`,
   * below `SimulatorOptions.oauthServerCount`): its tokens live there, and its frame POST, events and
   * OAuth answers name it in SERVER_ENDPOINT / server_endpoint. Default 0.
   */
  oauthServer?: number;
}

export interface SimulatorOptions {
  host?: string;
  oauthPort?: number;
  clock?: Clock;
  app: AppRegistration;
  portals?: PortalOptions[];
  /** Access token lifetime in seconds. Default 3600. */
  accessTokenTtl?: number;
  /**
   * How far the OAuth server's clock is off (ms, may be negative): its answers' absolute `expires`
   * carry it, as a real server's would when its clock and the app's differ. Default 0.
   */
  oauthClockSkewMs?: number;
  /**
   * The OAuth server's app.info answer (its shape is UNCONFIRMED): 'flat' puts the portal's fields
   * (member_id, client_endpoint, …) at the top; 'nested' (default) under `install`, as the official
   * starter reads it; 'minimal' gives only the app fields, client_id and member_id. Default 'nested'.
   */
  oauthAppInfoShape?: 'flat' | 'nested' | 'minimal';
  /**
   * How many OAuth servers run, each on its own port with its own tokens, as Bitrix24 runs one per region
   * (`oauth.bitrix.info`, `oauth.bitrix24.tech`). A server knows only its own portals' tokens: any other
   * token is `invalid_token` at its app.info and `invalid_grant` at its /oauth/token/ (UNCONFIRMED what a
   * real server answers for another region's portal). Default 1.
   */
  oauthServerCount?: number;
  /**
   * What a refresh answer's `scope` says: 'app' (default), as the docs showed until 2026-08 and the team's
   * captures show, or 'list', the granted scopes comma-separated, as the current docs' sample shows
   * (`bitrix24/b24restdocs` `settings/oauth/auto-renewal.md`).
   */
  oauthRefreshScope?: 'app' | 'list';
}

export interface Simulator {
  /** The first (default) OAuth server: `oauthServers[0]`. */
  readonly oauth: SimOAuthServer;
  /** Every OAuth server (`SimulatorOptions.oauthServerCount`); a portal's is `PortalOptions.oauthServer`. */
  readonly oauthServers: readonly SimOAuthServer[];
  readonly portals: readonly SimPortal[];
  portal(labelOrIndex?: string | number): SimPortal;
  readonly clock: Clock;
  close(): Promise<void>;
}
