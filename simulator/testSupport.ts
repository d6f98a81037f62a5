import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from './clock.js';
import type { AppRegistration, PortalOptions, SimPortal } from './contract.js';
import { startSimulator, type SimulatorImpl } from './simulator.js';

/** Helpers for the simulator's own tests (and any test that talks to it over HTTP). */

export const TEST_APP: AppRegistration = {
  clientId: 'local.simtest.1',
  clientSecret: 'sim-test-secret',
  name: 'Team Push',
  url: 'http://127.0.0.1:9',
  scopes: ['pull', 'user_brief', 'department', 'sonet_group', 'placement'],
};

export async function startTestSimulator(
  options: { portals?: PortalOptions[]; app?: Partial<AppRegistration>; accessTokenTtl?: number; clock?: ManualClock } = {},
): Promise<{ sim: SimulatorImpl; clock: ManualClock }> {
  const clock = options.clock ?? new ManualClock(Date.UTC(2026, 0, 15, 9, 0, 0));
  const sim = await startSimulator({
    app: { ...TEST_APP, ...options.app },
    portals: options.portals ?? [{ users: 120, preinstalled: true }],
    clock,
    accessTokenTtl: options.accessTokenTtl,
  });
  return { sim, clock };
}

export interface RestReply {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

/** POSTs JSON to `<origin>/rest/<method>.json` with the token in the body, as a server would. */
export async function rest(portal: SimPortal | string, method: string, params: Record<string, unknown> = {}, auth?: string): Promise<RestReply> {
  const base = typeof portal === 'string' ? portal : portal.clientEndpoint;
  const response = await fetch(`${base}${method}.json`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(auth === undefined ? params : { ...params, auth }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

export async function postForm(url: string, body: string, headers: Record<string, string> = {}): Promise<RestReply> {
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

export interface ReceivedRequest {
  path: string;
  contentType: string;
  body: string;
}

/** A stand-in event handler on 127.0.0.1 that records what Bitrix24 POSTs to it. */
export async function startReceiver(status = 200): Promise<{ url: string; received: ReceivedRequest[]; close(): Promise<void> }> {
  const received: ReceivedRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', contentType: req.headers['content-type'] ?? '', body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = status;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A result row as an object (test convenience). */
export function rows(reply: RestReply): Array<Record<string, unknown>> {
  return reply.body.result as Array<Record<string, unknown>>;
}
