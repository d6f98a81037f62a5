import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import dc from 'node:diagnostics_channel';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startStack, type Stack, type StackOptions } from '../scripts/stack.js';
import { createDirectory, type SimPortal, type SimPortalImpl } from '../simulator/index.js';
import { firstAdmin, isRecipient, postInstall } from '../test/support/directory.js';
import { MEMBER_ID_HEADER } from '../server/api/frameAuth.js';
import { BENCH_ID_HEADER, portalTimeOf, timePortalCalls, type PortalCall } from './portalTime.js';

export { BENCH_ID_HEADER, portalTimeOf, type PortalCall };

/**
 * What the benchmarks share: the result shape they report, the app + simulator stack, and the
 * accounting of "the portal's own time".
 *
 * The portal's own time: app, simulator and load generator run in this one process on loopback, so
 * every call the app makes to Bitrix24 goes through the global `fetch`. This module wraps that `fetch`
 * (with bench/portalTime.ts, before any stack is built, so the app's REST client and push gateway pick the wrapper up) and times
 * each call to a portal (`/rest/…`) or to the OAuth server (`/oauth/token/`) from the request until its
 * body is fully read: the portal's processing plus loopback transfer, i.e. what the app waits for.
 * Calls are attributed to the app request that caused them with AsyncLocalStorage, entered when the
 * app's HTTP server starts a request (the `http.server.request.start` diagnostics channel); overlapping
 * calls of one request count once (union of their intervals). Everything the app spends beyond that —
 * parsing, validation, storage, its own HTTP handling — is "backend overhead".
 */

// ---------------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------------

export interface TargetCheck {
  what: string;
  target: string;
  actual: string;
  /** null: not measurable here (explained in the notes). */
  met: boolean | null;
}

export interface Section {
  id: string;
  title: string;
  columns: string[];
  rows: string[][];
  targets: TargetCheck[];
  notes: string[];
}

export interface BenchContext {
  /** Measured runs per figure (the load test uses its own duration instead). */
  runs: number;
  log(message: string): void;
}

export type Benchmark = (context: BenchContext) => Promise<Section[]>;

// ---------------------------------------------------------------------------------------------------
// Portal time
// ---------------------------------------------------------------------------------------------------

/** One app request (or any other scope) and the portal calls made on its behalf. */
export interface Scope {
  calls: PortalCall[];
}

const scopes = new AsyncLocalStorage<Scope>();
/** Every portal call since the last `clearPortalCalls()`, in order of completion. */
export const portalCalls: PortalCall[] = [];
let recordAll = false;

let fetchWrapped = false;
/** Idempotent; call before building a stack. */
export function wrapFetchForPortalTime(): void {
  if (fetchWrapped) return;
  fetchWrapped = true;
  globalThis.fetch = timePortalCalls(globalThis.fetch, (call) => {
    scopes.getStore()?.calls.push(call);
    if (recordAll) portalCalls.push(call);
  });
}

export function recordPortalCalls(on: boolean): void {
  recordAll = on;
  portalCalls.length = 0;
}

/** Runs `fn` in a fresh scope and returns its result with the portal calls it made. */
export async function withScope<T>(fn: () => Promise<T>): Promise<{ result: T; calls: PortalCall[] }> {
  const scope: Scope = { calls: [] };
  const result = await scopes.run(scope, fn);
  return { result, calls: scope.calls };
}

// ---------------------------------------------------------------------------------------------------
// App requests (server side)
// ---------------------------------------------------------------------------------------------------

export interface ServedRequest {
  benchId: string | undefined;
  method: string;
  path: string;
  status: number;
  /** Request start to response finish, measured in the app's HTTP server. */
  serverMs: number;
  calls: PortalCall[];
}

const appPorts = new Set<number>();
const served = new Map<string, ServedRequest>();
let channelsSubscribed = false;

function subscribeServerChannels(): void {
  if (channelsSubscribed) return;
  channelsSubscribed = true;
  dc.subscribe('http.server.request.start', (message) => {
    const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
    if (!appPorts.has(request.socket.localPort ?? -1)) return;
    const scope: Scope = { calls: [] };
    // The request's handlers run in this synchronous continuation: they (and everything they await) see the scope.
    scopes.enterWith(scope);
    const started = performance.now();
    const benchId = request.headers[BENCH_ID_HEADER];
    response.once('finish', () => {
      if (typeof benchId !== 'string') return;
      served.set(benchId, {
        benchId,
        method: request.method ?? '',
        path: (request.url ?? '').split('?')[0]!,
        status: response.statusCode,
        serverMs: performance.now() - started,
        calls: scope.calls,
      });
    });
  });
}

/** The server-side record of a request sent with the `x-bench-id` header (taken once). */
export function takeServed(benchId: string): ServedRequest | undefined {
  const entry = served.get(benchId);
  served.delete(benchId);
  return entry;
}

// ---------------------------------------------------------------------------------------------------
// Stack
// ---------------------------------------------------------------------------------------------------

/** Rate limits high enough never to bite: for measurements of the backend itself, not of the portal's limit. */
export const NO_LIMIT = { burst: 1_000_000_000, drainPerSecond: 1_000_000_000 };
export const NO_API_LIMITS = { user: { burst: 1_000_000_000, perSecond: 1_000_000_000 }, portal: { burst: 1_000_000_000, perSecond: 1_000_000_000 } };

export async function startBenchStack(options: StackOptions): Promise<Stack> {
  wrapFetchForPortalTime();
  subscribeServerChannels();
  const stack = await startStack(options);
  appPorts.add(Number(new URL(stack.appUrl).port));
  return stack;
}

export function impl(portal: SimPortal): SimPortalImpl {
  return portal as SimPortalImpl;
}

/** Empties the portal's leaky bucket, as after a quiet minute (optionally with other limits). */
export function resetPortalBucket(portal: SimPortal, limit?: { burst: number; drainPerSecond: number }): void {
  impl(portal).bucket.reset(limit);
}

export const activeAdmins = (portal: SimPortal) => portal.directory.users.filter((user) => user.admin && user.active && user.type === 'employee');

/**
 * Installs the app on a simulated portal (the install POST, as in the server tests) and opens the app
 * page once for each of `admins` more admins, so each has stored tokens (sends go out with the
 * sender's own authorization).
 */
export async function installApp(portal: SimPortal, admins = 0): Promise<number[]> {
  const status = await postInstall(portal);
  if (status !== 200) throw new Error(`install POST answered ${status}`);
  const installer = firstAdmin(portal).id;
  const others = activeAdmins(portal)
    .filter((user) => user.id !== installer)
    .slice(0, admins);
  for (const admin of others) {
    const opening = portal.openFrame(admin.id);
    const answer = await fetch(opening.action, { method: 'POST', body: new URLSearchParams(opening.fields) });
    if (answer.status !== 200) throw new Error(`app page POST for admin ${admin.id} answered ${answer.status}`);
  }
  return [installer, ...others.map((user) => user.id)];
}

export function frameHeaders(portal: SimPortal, userId: number): Record<string, string> {
  return { Authorization: `Bearer ${portal.issueTokens(userId).access_token}`, [MEMBER_ID_HEADER]: portal.memberId };
}

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
  /** Client-side latency: request sent to body read. */
  ms: number;
  benchId: string;
}

let benchCounter = 0;
export async function callApi(appUrl: string, pathAndQuery: string, headers: Record<string, string>, body?: unknown): Promise<ApiAnswer> {
  const benchId = `b${(benchCounter += 1)}`;
  const started = performance.now();
  const response = await fetch(`${appUrl}/api${pathAndQuery}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { ...headers, [BENCH_ID_HEADER]: benchId, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const ms = performance.now() - started;
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { raw: text.slice(0, 200) };
  }
  return { status: response.status, body: parsed, ms, benchId };
}

// ---------------------------------------------------------------------------------------------------
// Directories
// ---------------------------------------------------------------------------------------------------

function recipientCount(users: number, seed: number): number {
  return createDirectory({ users, seed }).users.filter(isRecipient).length;
}

/**
 * The directory size whose active employees number exactly `wanted` (the simulator's users include
 * a few per cent of inactive, extranet, e-mail and bot accounts), or the nearest it can get (at most
 * 50,000 users: 47,789 employees with seed 1).
 */
export function usersForRecipients(wanted: number, seed: number): { users: number; recipients: number } {
  let low = wanted;
  let high = Math.min(50_000, Math.ceil(wanted * 1.2) + 20);
  if (recipientCount(high, seed) < wanted) return { users: high, recipients: recipientCount(high, seed) };
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (recipientCount(middle, seed) < wanted) low = middle + 1;
    else high = middle;
  }
  // The count is not strictly monotonic (fixed points move with the size): look around for an exact hit.
  for (let delta = 0; delta <= 40; delta += 1) {
    for (const users of [low + delta, low - delta]) {
      if (users >= 1 && users <= 50_000 && recipientCount(users, seed) === wanted) return { users, recipients: wanted };
    }
  }
  return { users: low, recipients: recipientCount(low, seed) };
}

// ---------------------------------------------------------------------------------------------------
// Databases
// ---------------------------------------------------------------------------------------------------

export const POSTGRES_URL = process.env.BENCH_DATABASE_URL?.trim() || process.env.TEST_DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchDatabase {
  kind: 'sqlite' | 'postgres';
  url: string;
  dispose(): Promise<void>;
}

export async function probePostgres(url = POSTGRES_URL): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A SQLite file in a temporary folder (WAL, as in production), deleted afterwards. */
export async function sqliteDatabase(): Promise<BenchDatabase> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'team-push-bench-'));
  return { kind: 'sqlite', url: `sqlite:${path.join(folder, 'app.sqlite')}`, dispose: () => rm(folder, { recursive: true, force: true }) };
}

/** A fresh schema on POSTGRES_URL's database (the libpq `options` search_path, as the storage tests do), dropped afterwards. */
export async function postgresDatabase(): Promise<BenchDatabase> {
  const schema = `b24bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5000 });
    client.on('error', () => undefined);
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  await admin(`create schema ${pg.escapeIdentifier(schema)}`);
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { kind: 'postgres', url: url.toString(), dispose: () => admin(`drop schema if exists ${pg.escapeIdentifier(schema)} cascade`) };
}

export function loudSkip(what: string, reason: string): string {
  const line = '!'.repeat(96);
  console.warn(`${line}\n!!! PostgreSQL at ${new URL(POSTGRES_URL).host} is unreachable: SKIPPING ${what}\n!!! reason: ${reason}\n!!! Start PostgreSQL or set BENCH_DATABASE_URL.\n${line}`);
  return `SKIPPED on PostgreSQL (${new URL(POSTGRES_URL).host} unreachable: ${reason}).`;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
