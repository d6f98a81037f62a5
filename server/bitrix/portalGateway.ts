import type { Logger } from '../logger.js';
import type { PortalStore, UserTokens } from '../storage/portalStore.js';
import { OAuthError, type OAuthClient } from './oauthClient.js';
import { BitrixError, callRest, NOT_CONNECTED, PORTAL_MOVED, type RestAnswer } from './restClient.js';
import { createPortalRelocation, type PortalRelocation } from './portalRelocation.js';

/**
 * The one way the backend talks to a portal with stored application authorization. It refreshes a
 * user's tokens only when Bitrix24 says `expired_token` (or just before the known expiry), under the
 * store's (portal, user) lock, so a single-use refresh token is redeemed once even with many concurrent
 * calls and several app processes; the new pair is stored before anyone uses it.
 *
 * The database is read (tokens, endpoint) and written (a refresh) only before a request goes out, never
 * after one that may have reached Bitrix24: the send pipeline counts on it (a database error from
 * `callAsUser` means the push did not go, so its chunk may be tried again).
 */

/** Refresh this long before the known expiry rather than waste a call on a certain `expired_token`. */
export const EXPIRY_MARGIN_MS = 60_000;

/** The stored tokens cannot be used any more (missing, revoked, `invalid_grant`): an admin must open the app. */
export class TokensUnusableError extends Error {
  constructor(
    readonly memberId: string,
    readonly userId: number | null,
    readonly reason: 'no_tokens' | 'invalid_grant' | 'no_admin' | 'portal_unavailable',
  ) {
    super(`Stored Bitrix24 authorization unusable (${reason})`);
    this.name = 'TokensUnusableError';
  }
}

export interface PortalGatewayDeps {
  store: PortalStore;
  oauth: OAuthClient;
  logger: Logger;
  now?: () => number;
  fetch?: typeof fetch;
  /** Where a renamed portal answers now (shared with the frame's sign-in); default one of its own, counting in this process. */
  relocation?: PortalRelocation | null;
}

export interface CallOptions {
  /**
   * False for a call that must never run twice (a push): after a network failure that may have reached
   * Bitrix24 it is not made again; the error goes to the caller, who reports the outcome as uncertain.
   * Calls that certainly ran nothing (a refused connection, a redirect, an expired token) are made again
   * either way. Default true (reads).
   */
  repeatable?: boolean;
}

export interface PortalGateway {
  /** Calls a method with this user's stored authorization. */
  callAsUser<T = unknown>(memberId: string, userId: number, method: string, params?: Record<string, unknown>, options?: CallOptions): Promise<RestAnswer<T>>;
  /**
   * Calls a method with an admin's stored authorization: the preferred admin first, then the other
   * admins with live tokens (an admin whose tokens hit `invalid_grant` is marked dead and skipped).
   */
  callAsAdmin<T = unknown>(memberId: string, method: string, params?: Record<string, unknown>, preferUserId?: number): Promise<RestAnswer<T>>;
}

export function createPortalGateway(deps: PortalGatewayDeps): PortalGateway {
  const { store, oauth, logger } = deps;
  const now = deps.now ?? Date.now;
  const relocation = deps.relocation ?? createPortalRelocation({ store, oauth, logger, now: deps.now });

  /**
   * Returns tokens newer than `stale` (refreshing them if nobody else has), under the lock. The refresh
   * goes to the portal's own OAuth server (its stored server_endpoint, when configured; decision 0010, fact 31).
   */
  async function renewed(memberId: string, userId: number, stale: UserTokens): Promise<UserTokens> {
    let movedEndpoint: { clientEndpoint: string; serverEndpoint: string } | null = null;
    const serverEndpoint = (await store.getPortal(memberId))?.serverEndpoint ?? null;
    const tokens = await store.withUserTokenLock(memberId, userId, async (current, save, controls) => {
      if (!current || current.tokenState === 'dead') throw new TokensUnusableError(memberId, userId, 'no_tokens');
      if (current.accessToken !== stale.accessToken && current.expiresAt > now() + EXPIRY_MARGIN_MS) return current;
      try {
        const grant = await oauth.refresh(current.refreshToken, serverEndpoint);
        if (grant.memberId !== memberId || (grant.userId !== null && grant.userId !== userId)) {
          throw new OAuthError('bad_answer', 'The OAuth server answered for another portal or user', 200);
        }
        const saved = await save({ accessToken: grant.accessToken, refreshToken: grant.refreshToken, expiresAt: grant.expiresAt, scope: grant.scope?.join(',') });
        movedEndpoint = { clientEndpoint: grant.clientEndpoint, serverEndpoint: grant.serverEndpoint };
        return saved;
      } catch (error) {
        if (error instanceof OAuthError && error.code === 'invalid_grant') {
          await controls.markDead();
          logger.warn({ memberId, userId }, 'refresh token refused (invalid_grant); tokens marked dead');
          throw new TokensUnusableError(memberId, userId, 'invalid_grant');
        }
        throw error;
      }
    });
    // The OAuth server's answer is the authority on the portal's addresses: a renamed portal is followed, and so is a new server_endpoint.
    if (movedEndpoint) await relocation.follow(memberId, movedEndpoint);
    return tokens;
  }

  async function endpointOf(memberId: string): Promise<string> {
    const portal = await store.getPortal(memberId);
    if (!portal || portal.installState === 'uninstalled') throw new TokensUnusableError(memberId, null, 'portal_unavailable');
    return portal.clientEndpoint;
  }

  async function callAsUser<T>(memberId: string, userId: number, method: string, params: Record<string, unknown> = {}, options: CallOptions = {}): Promise<RestAnswer<T>> {
    let tokens = await store.getUserTokens(memberId, userId);
    if (!tokens || tokens.tokenState === 'dead') throw new TokensUnusableError(memberId, userId, 'no_tokens');
    if (tokens.expiresAt <= now() + EXPIRY_MARGIN_MS) tokens = await renewed(memberId, userId, tokens);
    const endpoint = await endpointOf(memberId);
    const call = (at: string, accessToken: string) => callRest<T>(at, method, params, accessToken, { fetch: deps.fetch });
    try {
      return await call(endpoint, tokens.accessToken);
    } catch (error) {
      if (!(error instanceof BitrixError)) throw error;
      let expired = error.code === 'expired_token';
      const notConnected = error.code === 'NETWORK_ERROR' && error.description === NOT_CONNECTED;
      if (error.code === PORTAL_MOVED || notConnected) {
        // A renamed portal redirects (or nothing answers at its old address) and ran nothing, so the call
        // may be made again, a push too, at the address the OAuth server's token check names. A redirect
        // is not an expired token: no refresh, unless the token check says the token has expired.
        const found = await relocation.find(memberId, endpoint, tokens.accessToken, 'stored');
        if (found && 'movedTo' in found) return call(found.movedTo, tokens.accessToken);
        expired = found !== null && 'refused' in found && found.refused === 'expired_token';
      }
      if (expired) {
        const fresh = await renewed(memberId, userId, tokens);
        return call(await endpointOf(memberId), fresh.accessToken);
      }
      // Once more at the same address: a call that never connected ran nothing; one that may have reached Bitrix24 only if it may run twice.
      if (notConnected || (error.code === 'NETWORK_ERROR' && options.repeatable !== false)) return call(endpoint, tokens.accessToken);
      throw error;
    }
  }

  return {
    callAsUser,
    async callAsAdmin<T>(memberId: string, method: string, params: Record<string, unknown> = {}, preferUserId?: number) {
      const admins = await store.listLiveAdmins(memberId);
      const order = [...admins].sort((a, b) => Number(b.userId === preferUserId) - Number(a.userId === preferUserId));
      for (const admin of order) {
        try {
          return await callAsUser<T>(memberId, admin.userId, method, params);
        } catch (error) {
          if (error instanceof TokensUnusableError && error.userId !== null) continue;
          throw error;
        }
      }
      throw new TokensUnusableError(memberId, null, 'no_admin');
    },
  };
}
