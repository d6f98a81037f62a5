import { expect, it } from 'vitest';
import { OAuthError, type OAuthClient, type OAuthGrant } from '../bitrix/oauthClient.js';
import { createMetrics } from './metrics.js';
import { instrumentOAuth } from './instrumentOAuth.js';

const GRANT: OAuthGrant = {
  accessToken: 'a',
  refreshToken: 'r',
  expiresAt: 0,
  scope: null,
  memberId: 'm',
  userId: 1,
  clientEndpoint: 'https://p.example/rest/',
  serverEndpoint: 'https://oauth.example/rest/',
  domain: 'oauth.example',
  status: 'L',
};

it('counts refreshes by outcome and leaves token checks alone', async () => {
  const answers: Record<string, () => Promise<OAuthGrant>> = {
    good: async () => GRANT,
    spent: async () => Promise.reject(new OAuthError('invalid_grant', 'spent', 400)),
    odd: async () => Promise.reject(new OAuthError('made_up_by_a_server', 'odd', 400)),
  };
  const servers: Array<string | null | undefined> = [];
  const oauth: OAuthClient = {
    refresh: (refreshToken, serverEndpoint) => {
      servers.push(serverEndpoint);
      return answers[refreshToken]!();
    },
    tokenInfo: async (_accessToken, serverEndpoint) => {
      servers.push(serverEndpoint);
      return { memberId: 'm', clientId: null, clientEndpoint: null, serverEndpoint: 'https://oauth.example/rest/', status: null };
    },
  };
  const metrics = createMetrics();
  const counted = instrumentOAuth(oauth, metrics.tokenRefreshes);

  expect(await counted.refresh('good', 'https://oauth.bitrix24.tech/rest/')).toBe(GRANT);
  await expect(counted.refresh('spent')).rejects.toMatchObject({ code: 'invalid_grant' });
  await expect(counted.refresh('odd')).rejects.toBeInstanceOf(OAuthError);
  expect((await counted.tokenInfo('a', 'https://oauth.bitrix24.tech/rest/')).memberId).toBe('m');
  // The portal's OAuth server is passed on (decision 0010, fact 31).
  expect(servers).toEqual(['https://oauth.bitrix24.tech/rest/', undefined, undefined, 'https://oauth.bitrix24.tech/rest/']);

  const values = (await metrics.tokenRefreshes.get()).values.map((value) => [value.labels.outcome, value.value]);
  expect(values).toEqual([
    ['ok', 1],
    ['invalid_grant', 1],
    ['other', 1],
  ]);
});
