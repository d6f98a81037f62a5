import type { OAuthGrant } from '../bitrix/oauthClient.js';
import type { SaveUserTokensInput, UpsertPortalInput } from '../storage/portalStore.js';

/** What the store keeps of a verified OAuth answer: the portal as the OAuth server names it... */
export function portalFromGrant(grant: OAuthGrant, appName: string, applicationToken?: string | null): UpsertPortalInput {
  return {
    memberId: grant.memberId,
    domain: new URL(grant.clientEndpoint).host,
    clientEndpoint: grant.clientEndpoint,
    serverEndpoint: grant.serverEndpoint,
    appName,
    appStatus: grant.status || null,
    applicationToken,
  };
}

/** ...and the user's fresh token pair, with the scopes the portal says were granted ('' = unknown). */
export function tokensFromGrant(grant: OAuthGrant, isAdmin: boolean, scopes: string[] | null): SaveUserTokensInput {
  return { accessToken: grant.accessToken, refreshToken: grant.refreshToken, expiresAt: grant.expiresAt, scope: (scopes ?? grant.scope ?? []).join(','), isAdmin };
}
