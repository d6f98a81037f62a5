import { systemClock } from './clock.js';
import type { SimPortal, Simulator, SimulatorOptions } from './contract.js';
import { SimOAuthServerImpl } from './oauthServer.js';
import { SimPortalImpl } from './portal.js';
import { createPortalApp } from './portalApp.js';
import { TokenStore } from './tokens.js';

export interface SimulatorImpl extends Simulator {
  readonly oauth: SimOAuthServerImpl;
  readonly oauthServers: readonly SimOAuthServerImpl[];
  readonly portals: readonly SimPortalImpl[];
  portal(labelOrIndex?: string | number): SimPortalImpl;
}

/** At most this many simulated OAuth servers (Bitrix24 runs one per region). */
const MAX_OAUTH_SERVERS = 4;

/**
 * Starts the simulated Bitrix24: the OAuth servers (one by default; `oauthServerCount`) and the portals,
 * each on its own port on 127.0.0.1 (port 0 = any free port; `oauthPort` is the first server's), sharing
 * one clock. Each OAuth server keeps the tokens of its own portals (`PortalOptions.oauthServer`).
 */
export async function startSimulator(options: SimulatorOptions): Promise<SimulatorImpl> {
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? systemClock;
  const serverCount = options.oauthServerCount ?? 1;
  if (!Number.isInteger(serverCount) || serverCount < 1 || serverCount > MAX_OAUTH_SERVERS) throw new Error(`oauthServerCount must be 1 to ${MAX_OAUTH_SERVERS}`);
  const portalOptions = options.portals && options.portals.length > 0 ? options.portals : [{}];
  for (const opts of portalOptions) {
    const server = opts.oauthServer ?? 0;
    if (!Number.isInteger(server) || server < 0 || server >= serverCount) throw new Error(`A portal's oauthServer must be below oauthServerCount (${serverCount})`);
  }
  const portals: SimPortalImpl[] = [];
  /** Which OAuth server each portal belongs to (its index), by member_id. */
  const serverOf = new Map<string, number>();
  const tokenStores = Array.from({ length: serverCount }, () => new TokenStore(clock, { accessTokenTtl: options.accessTokenTtl }));
  const oauthServers = tokenStores.map(
    (tokens, index) =>
      new SimOAuthServerImpl({
        app: options.app,
        tokens,
        clock,
        host,
        port: index === 0 ? (options.oauthPort ?? 0) : 0,
        portalByMemberId: (memberId) => (serverOf.get(memberId) === index ? portals.find((p) => p.memberId === memberId) : undefined),
        appInfoShape: options.oauthAppInfoShape ?? 'nested',
        refreshScope: options.oauthRefreshScope ?? 'app',
      }),
  );
  const [oauth] = oauthServers as [SimOAuthServerImpl, ...SimOAuthServerImpl[]];
  const closeServers = () => Promise.all(oauthServers.map((server) => server.close()));
  try {
    for (const server of oauthServers) await server.start();
  } catch (error) {
    await closeServers();
    throw error;
  }

  try {
    for (const [index, opts] of portalOptions.entries()) {
      const own = opts.oauthServer ?? 0;
      const portal = new SimPortalImpl(opts, index, {
        app: options.app,
        tokens: tokenStores[own]!,
        clock,
        host,
        oauthUrl: () => oauthServers[own]!.url,
        oauthClockSkewMs: options.oauthClockSkewMs,
        createHandler: createPortalApp,
      });
      if (portals.some((p) => p.label === portal.label || p.memberId === portal.memberId)) {
        throw new Error(`Two portals share a label or member_id: ${portal.label}`);
      }
      portals.push(portal);
      serverOf.set(portal.memberId, own);
      await portal.start();
    }
  } catch (error) {
    await Promise.all(portals.map((p) => p.close()));
    await closeServers();
    throw error;
  }

  return {
    oauth,
    oauthServers,
    portals,
    clock,
    portal(labelOrIndex: string | number = 0): SimPortalImpl {
      const found = typeof labelOrIndex === 'number' ? portals[labelOrIndex] : portals.find((p) => p.label === labelOrIndex);
      if (!found) throw new Error(`No simulated portal ${String(labelOrIndex)}`);
      return found;
    },
    async close() {
      await Promise.all(portals.map((p) => p.close()));
      await closeServers();
    },
  };
}

export type { SimPortal };
