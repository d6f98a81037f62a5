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
  const oauth: OAuthClient = {
    refresh: (refreshToken) => answers[refreshToken]!(),
    tokenInfo: async () => ({ memberId: 'm', clientId: null, clientEndpoint: null, serverEndpoint: null, status: null }),
  };
  const metrics = createMetrics();
  const counted = instrumentOAuth(oauth, metrics.tokenRefreshes);

  expect(await counted.refresh('good')).toBe(GRANT);
  await expect(counted.refresh('spent')).rejects.toMatchObject({ code: 'invalid_grant' });
  await expect(counted.refresh('odd')).rejects.toBeInstanceOf(OAuthError);
  expect((await counted.tokenInfo('a')).memberId).toBe('m');

  const values = (await metrics.tokenRefreshes.get()).values.map((value) => [value.labels.outcome, value.value]);
  expect(values).toEqual([
    ['ok', 1],
    ['invalid_grant', 1],
    ['other', 1],
  ]);
});
