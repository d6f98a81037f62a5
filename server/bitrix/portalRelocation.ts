import type { Logger } from '../logger.js';
import type { PortalStore } from '../storage/portalStore.js';
import { createAllowance, refusingWindows, type BurstLimit } from '../limits/allowance.js';
import { createMemoryLimitStore, type LimitStore } from '../limits/limitStore.js';
import { OAuthError, type OAuthClient } from './oauthClient.js';

/**
 * Where a portal answers now. A renamed portal answers at its old address with a redirect, or nothing
 * answers there, and nothing runs (decision 0004; `bitrix24/b24restdocs`
 * `settings/how-to-call-rest-api/change-domen.md`: take the current address from the authorization's
 * `client_endpoint`). The trusted source of the new address is the OAuth server's token check
 * (`/rest/app.info`), asked with a token of that portal: no refresh token is spent, because a redirect
 * is not an expired token. Its answer counts only if it names the portal's own member_id; an address is
 * never taken from a request or from the redirect's Location.
 *
 * Lookups are bounded per portal: one that finds the portal moved (and stores the new address) is
 * refunded, one that finds nothing new (a portal that redirects everything, a token the OAuth server
 * refuses, an answer without an address) is not, so a broken portal costs the OAuth server a couple of
 * token checks a minute, not one per call. The app's own stored tokens (sends, reads) and the tokens a
 * request brings (the frame's sign-in) count apart: garbage sent during a rename cannot hold up sends.
 */

/** Whose token asks: the app's stored authorization, or one a request brought (unproven). */
export type TokenSource = 'stored' | 'request';

/**
 * `movedTo`: the portal's current REST endpoint, already stored. `refused`: the OAuth server does not
 * vouch for this token as one of this portal (its error code, e.g. invalid_token, expired_token). Null:
 * no new address is known (the same address, none named, the OAuth server unreachable, the budget spent).
 */
export type Relocation = { movedTo: string } | { refused: string } | null;

export interface PortalRelocation {
  /** After the portal's stored address `movedFrom` answered with a redirect or not at all. */
  find(memberId: string, movedFrom: string, accessToken: string, source: TokenSource): Promise<Relocation>;
  /** Stores the addresses an answer of the OAuth server (a refresh grant, a token check) names for the portal, if they are new. */
  follow(memberId: string, endpoints: { clientEndpoint: string; serverEndpoint: string | null }): Promise<void>;
}

/** Lookups per portal and token source that found no new address: 2 at once, then one a minute. */
export const RELOCATION_LOOKUPS: BurstLimit = { burst: 2, perSecond: 1 / 60 };

export interface PortalRelocationDeps {
  store: PortalStore;
  oauth: OAuthClient;
  logger: Logger;
  now?: () => number;
  /** Where the lookups count (decision 0014); default this process's memory on `now`. */
  limitStore?: LimitStore;
  limit?: BurstLimit;
}

export function createPortalRelocation(deps: PortalRelocationDeps): PortalRelocation {
  const { store, oauth, logger } = deps;
  // Without the shared store, each process keeps its own count: still bounded.
  const lookups = createAllowance(deps.limitStore ?? createMemoryLimitStore(deps.now), 'portal-relocation', refusingWindows(deps.limit ?? RELOCATION_LOOKUPS));
  // Concurrent calls that met the same redirect wait for one lookup rather than each spending one.
  const inFlight = new Map<string, Promise<Relocation>>();

  async function follow(memberId: string, endpoints: { clientEndpoint: string; serverEndpoint: string | null }): Promise<void> {
    const portal = await store.getPortal(memberId);
    if (!portal || portal.installState === 'uninstalled') return;
    const serverEndpoint = endpoints.serverEndpoint ?? portal.serverEndpoint;
    const moved = portal.clientEndpoint !== endpoints.clientEndpoint;
    if (!moved && serverEndpoint === portal.serverEndpoint) return;
    const domain = new URL(endpoints.clientEndpoint).host;
    await store.upsertPortal({ memberId, domain, clientEndpoint: endpoints.clientEndpoint, serverEndpoint, appName: portal.appName });
    // The next refresh goes to the new OAuth server if it is a configured one (as the JS SDK takes server_endpoint from each refresh answer).
    if (moved) logger.info({ memberId, domain }, 'portal moved to a new address');
    else logger.info({ memberId, serverEndpoint }, 'portal names a new OAuth server');
  }

  /** Asks the portal's own OAuth server (`serverEndpoint`, its stored one: the default when it is not configured). */
  async function lookUp(memberId: string, movedFrom: string, accessToken: string, source: TokenSource, serverEndpoint: string): Promise<Relocation> {
    const take = await lookups.take(`${source}:${memberId}`);
    if (!take.taken) return null;
    let info;
    try {
      info = await oauth.tokenInfo(accessToken, serverEndpoint);
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      if (error.code === 'unavailable') {
        await take.giveBack(); // nobody's fault
        return null;
      }
      return error.code === 'bad_answer' ? null : { refused: error.code };
    }
    if (info.memberId.toLowerCase() !== memberId) return { refused: 'invalid_token' };
    if (!info.clientEndpoint || info.clientEndpoint === movedFrom) return null;
    await follow(memberId, { clientEndpoint: info.clientEndpoint, serverEndpoint: info.serverEndpoint });
    await take.giveBack();
    return { movedTo: info.clientEndpoint };
  }

  return {
    follow,
    async find(memberId, movedFrom, accessToken, source) {
      const portal = await store.getPortal(memberId);
      if (!portal || portal.installState === 'uninstalled') return null;
      if (portal.clientEndpoint !== movedFrom) return { movedTo: portal.clientEndpoint }; // already followed
      const key = `${memberId}\n${movedFrom}`;
      const pending = inFlight.get(key);
      if (pending) {
        const shared = await pending.catch(() => null);
        // Only the portal's new address is shared; whether this token is good is its own question.
        if (shared && 'movedTo' in shared) return shared;
      }
      const lookup = lookUp(memberId, movedFrom, accessToken, source, portal.serverEndpoint);
      inFlight.set(key, lookup);
      try {
        return await lookup;
      } finally {
        if (inFlight.get(key) === lookup) inFlight.delete(key);
      }
    },
  };
}
