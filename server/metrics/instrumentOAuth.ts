import type { OAuthClient } from '../bitrix/oauthClient.js';
import type { Metrics } from './metrics.js';
import { refreshFailureCode } from './outcomeCodes.js';

/** The OAuth client, counting each refresh by outcome (`teampush_token_refreshes_total`); token checks pass through. */
export function instrumentOAuth(oauth: OAuthClient, tokenRefreshes: Metrics['tokenRefreshes']): OAuthClient {
  return {
    async refresh(refreshToken, serverEndpoint) {
      try {
        const grant = await oauth.refresh(refreshToken, serverEndpoint);
        tokenRefreshes.inc({ outcome: 'ok' });
        return grant;
      } catch (error) {
        tokenRefreshes.inc({ outcome: refreshFailureCode(error) });
        throw error;
      }
    },
    tokenInfo: (accessToken, serverEndpoint) => oauth.tokenInfo(accessToken, serverEndpoint),
  };
}
