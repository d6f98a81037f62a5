import type { OAuthClient } from '../bitrix/oauthClient.js';
import type { Metrics } from './metrics.js';
import { refreshFailureCode } from './outcomeCodes.js';

/** The OAuth client, counting each refresh by outcome (`teampush_token_refreshes_total`); token checks pass through. */
export function instrumentOAuth(oauth: OAuthClient, tokenRefreshes: Metrics['tokenRefreshes']): OAuthClient {
  return {
    async refresh(refreshToken) {
      try {
        const grant = await oauth.refresh(refreshToken);
        tokenRefreshes.inc({ outcome: 'ok' });
        return grant;
      } catch (error) {
        tokenRefreshes.inc({ outcome: refreshFailureCode(error) });
        throw error;
      }
    },
    tokenInfo: (accessToken) => oauth.tokenInfo(accessToken),
  };
}
