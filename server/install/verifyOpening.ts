import { z } from 'zod';
import { OAuthError, type OAuthClient, type OAuthGrant } from '../bitrix/oauthClient.js';
import { BitrixError, callRest, PORTAL_MOVED, type RestCallOptions } from '../bitrix/restClient.js';
import type { Portal } from '../storage/portalStore.js';

/** The opening's claims did not survive Bitrix24's answer. Nothing may be stored. */
export class ForgedOpeningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForgedOpeningError';
  }
}

/** What an install POST, an app-page POST or an ONAPPINSTALL carries (the event's auth, renamed). */
export interface OpeningClaims {
  AUTH_ID: string;
  REFRESH_ID: string;
  /** Seconds the access token lives (the form's AUTH_EXPIRES, the event's expires_in). */
  AUTH_EXPIRES?: number;
  member_id: string;
  /**
   * The OAuth server the opening names (the form's SERVER_ENDPOINT, the event's server_endpoint). A request
   * field: it only chooses which configured server checks the opening, and never adds one (decision 0010, fact 31).
   */
  SERVER_ENDPOINT?: string;
}

export interface VerifiedOpening {
  /**
   * The portal as Bitrix24 names it (its stored address, or the OAuth server's answer), with the
   * opener's token pair: as received and unredeemed (`redeemed: false`) unless a refresh was the only
   * proof left, in which case the pair is the new one and the old refresh token is spent.
   */
  grant: OAuthGrant;
  redeemed: boolean;
  user: { id: number; isAdmin: boolean };
  /** What the portal says the app was granted (its `scope` method); null if it could not be read. */
  scopes: string[] | null;
}

export interface OpeningVerifier {
  /** `known`: the stored portal of the claimed member_id, if any (its address is trusted: the OAuth server gave it). */
  verify(claims: OpeningClaims, known: Portal | null): Promise<VerifiedOpening>;
}

export interface OpeningVerifierDeps {
  oauth: OAuthClient;
  /** Our client_id: a token the OAuth server says belongs to another app is refused. */
  clientId: string;
  rest?: RestCallOptions;
  now?: () => number;
}

const profileAnswer = z.object({ ID: z.coerce.number().int().positive(), ADMIN: z.boolean() });
const scopeAnswer = z.array(z.string().regex(/^[\w.-]{1,64}$/)).max(200);
const DEFAULT_LIFETIME_S = 3600;

/**
 * Proves an opening without spending its refresh token (the OAuth docs warn that needless renewals get
 * an application blocked; settings/oauth/auto-renewal.md), in this order:
 * 1. a portal we know: `profile` with AUTH_ID at its stored address — the portal itself vouches;
 * 2. otherwise (or when that address no longer answers: a renamed portal) the OAuth server's token
 *    check (`/rest/app.info`) names the portal, and `profile` at the address it gives names the user;
 * 3. only when nothing names the portal's address, the refresh token is redeemed, as before.
 * Steps 2 and 3 go to the configured OAuth server the opening names in SERVER_ENDPOINT, else to the one
 * stored for the portal, else to the default (the OAuth client never leaves the configured list).
 */
export function createOpeningVerifier(deps: OpeningVerifierDeps): OpeningVerifier {
  const now = deps.now ?? Date.now;
  const rest = deps.rest ?? {};

  async function confirm(grant: OAuthGrant, redeemed: boolean): Promise<VerifiedOpening> {
    const { result } = await callRest(grant.clientEndpoint, 'profile', {}, grant.accessToken, rest);
    const profile = profileAnswer.safeParse(result);
    if (!profile.success || (grant.userId !== null && profile.data.ID !== grant.userId)) {
      throw new ForgedOpeningError('The portal does not confirm the user of this token');
    }
    return { grant: { ...grant, userId: profile.data.ID }, redeemed, user: { id: profile.data.ID, isAdmin: profile.data.ADMIN }, scopes: await grantedScopes(grant) };
  }

  /** The app's scopes on the portal (api-reference/common/system/scope.md; needs no scope). Only shown to admins: a failure is no reason to refuse. */
  async function grantedScopes(grant: OAuthGrant): Promise<string[] | null> {
    try {
      const parsed = scopeAnswer.safeParse((await callRest(grant.clientEndpoint, 'scope', {}, grant.accessToken, rest)).result);
      return parsed.success ? parsed.data : grant.scope;
    } catch {
      return grant.scope;
    }
  }

  return {
    async verify(claims, known) {
      const memberId = claims.member_id.toLowerCase();
      const receivedAt = now();
      const asReceived = (portal: { clientEndpoint: string; serverEndpoint: string; status: string | null }): OAuthGrant => ({
        accessToken: claims.AUTH_ID,
        refreshToken: claims.REFRESH_ID,
        expiresAt: receivedAt + (claims.AUTH_EXPIRES ?? DEFAULT_LIFETIME_S) * 1000,
        scope: null,
        memberId,
        userId: null,
        clientEndpoint: portal.clientEndpoint,
        serverEndpoint: portal.serverEndpoint,
        domain: '',
        status: portal.status ?? '',
      });

      if (known && known.memberId === memberId) {
        try {
          return await confirm(asReceived({ clientEndpoint: known.clientEndpoint, serverEndpoint: known.serverEndpoint, status: known.appStatus }), false);
        } catch (error) {
          // The stored address no longer answers (a renamed portal): the OAuth server knows the new one.
          if (!(error instanceof BitrixError && (error.code === 'NETWORK_ERROR' || error.code === 'HTTP_ERROR' || error.code === PORTAL_MOVED))) throw refusal(error);
        }
      }

      const oauthServer = claims.SERVER_ENDPOINT || (known?.memberId === memberId ? known.serverEndpoint : null);
      let info;
      try {
        info = await deps.oauth.tokenInfo(claims.AUTH_ID, oauthServer);
      } catch (error) {
        if (!(error instanceof OAuthError && error.code === 'bad_answer')) throw error;
        info = null; // an answer we cannot read: fall back to the refresh
      }
      if (info) {
        if (info.memberId.toLowerCase() !== memberId) throw new ForgedOpeningError('The member_id of the request is not the one the OAuth server reports for its token');
        if (info.clientId !== null && info.clientId !== deps.clientId) throw new ForgedOpeningError('The token belongs to another application');
        if (info.clientEndpoint) return confirm(asReceived({ clientEndpoint: info.clientEndpoint, serverEndpoint: info.serverEndpoint, status: info.status }), false);
      }

      const grant = await deps.oauth.refresh(claims.REFRESH_ID, oauthServer);
      if (grant.memberId.toLowerCase() !== memberId) throw new ForgedOpeningError('The member_id of the request is not the one the OAuth server reports for its token');
      return confirm(grant, true);
    },
  };
}

/** The portal refused the token at its own address: nothing Bitrix24 vouches for. */
function refusal(error: unknown): unknown {
  return error instanceof BitrixError && ['invalid_token', 'expired_token', 'NO_AUTH_FOUND', 'INVALID_CREDENTIALS', 'WRONG_AUTH_TYPE'].includes(error.code)
    ? new ForgedOpeningError(`The portal refused the token (${error.code})`)
    : error;
}
