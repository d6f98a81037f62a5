import { systemClock } from './clock.js';
import type { SimPortal, Simulator, SimulatorOptions } from './contract.js';
import { SimOAuthServerImpl } from './oauthServer.js';
import { SimPortalImpl } from './portal.js';
import { createPortalApp } from './portalApp.js';
import { TokenStore } from './tokens.js';

export interface SimulatorImpl extends Simulator {
  readonly oauth: SimOAuthServerImpl;
  readonly portals: readonly SimPortalImpl[];
  portal(labelOrIndex?: string | number): SimPortalImpl;
}

/**
 * Starts the simulated Bitrix24: one OAuth server and the portals, each on its own port on 127.0.0.1
 * (port 0 = any free port), sharing one token store and clock.
 */
export async function startSimulator(options: SimulatorOptions): Promise<SimulatorImpl> {
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? systemClock;
  const tokens = new TokenStore(clock, { accessTokenTtl: options.accessTokenTtl });
  const portals: SimPortalImpl[] = [];
  const oauth = new SimOAuthServerImpl({
    app: options.app,
    tokens,
    clock,
    host,
    port: options.oauthPort ?? 0,
    portalByMemberId: (memberId) => portals.find((p) => p.memberId === memberId),
    appInfoShape: options.oauthAppInfoShape ?? 'nested',
  });
  await oauth.start();

  const portalOptions = options.portals && options.portals.length > 0 ? options.portals : [{}];
  try {
    for (const [index, opts] of portalOptions.entries()) {
      const portal = new SimPortalImpl(opts, index, {
        app: options.app,
        tokens,
        clock,
        host,
        oauthUrl: () => oauth.url,
        oauthClockSkewMs: options.oauthClockSkewMs,
        createHandler: createPortalApp,
      });
      if (portals.some((p) => p.label === portal.label || p.memberId === portal.memberId)) {
        throw new Error(`Two portals share a label or member_id: ${portal.label}`);
      }
      portals.push(portal);
      await portal.start();
    }
  } catch (error) {
    await Promise.all(portals.map((p) => p.close()));
    await oauth.close();
    throw error;
  }

  return {
    oauth,
    portals,
    clock,
    portal(labelOrIndex: string | number = 0): SimPortalImpl {
      const found = typeof labelOrIndex === 'number' ? portals[labelOrIndex] : portals.find((p) => p.label === labelOrIndex);
      if (!found) throw new Error(`No simulated portal ${String(labelOrIndex)}`);
      return found;
    },
    async close() {
      await Promise.all(portals.map((p) => p.close()));
      await oauth.close();
    },
  };
}

export type { SimPortal };
