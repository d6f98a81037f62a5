import { B24OAuth, type B24OAuthSecret } from '@bitrix24/b24jssdk';
import type { SimPortal } from './contract.js';

/**
 * The real SDK's OAuth client (@bitrix24/b24jssdk `B24OAuth`) signed in to a simulated portal as `userId`,
 * with tokens the portal issues now, as an app server holds them after the user opened the app.
 * Not re-exported from index.ts: only the code that uses it should pay for loading the SDK.
 */
export function sdkClientFor(portal: SimPortal, userId: number, app: B24OAuthSecret): B24OAuth {
  const tokens = portal.issueTokens(userId);
  const b24 = new B24OAuth(
    {
      applicationToken: portal.applicationToken,
      userId: tokens.user_id,
      memberId: tokens.member_id,
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token,
      expires: tokens.expires,
      expiresIn: tokens.expires_in,
      scope: tokens.scope,
      domain: portal.domain,
      clientEndpoint: tokens.client_endpoint,
      serverEndpoint: tokens.server_endpoint,
      status: tokens.status,
    },
    app,
  );
  b24.offClientSideWarning();
  return b24;
}
