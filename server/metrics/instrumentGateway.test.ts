import { describe, expect, it } from 'vitest';
import { TokensUnusableError, type PortalGateway } from '../bitrix/portalGateway.js';
import { BitrixError } from '../bitrix/restClient.js';
import { OAuthError } from '../bitrix/oauthClient.js';
import { createMetrics } from './metrics.js';
import { instrumentGateway } from './instrumentGateway.js';

/** A portal gateway that answers or fails as the test says (the decorator sees only the interface). */
function gatewayFailingWith(failures: Record<string, unknown>): PortalGateway {
  const answer = async <T>(method: string): Promise<{ result: T }> => {
    if (method in failures) throw failures[method];
    return { result: true as T };
  };
  return {
    callAsUser: (_memberId, _userId, method) => answer(method),
    callAsAdmin: (_memberId, method) => answer(method),
  };
}

describe('instrumentGateway', () => {
  it('counts every call by method and outcome code, passing answers and errors through unchanged', async () => {
    const limited = new BitrixError('QUERY_LIMIT_EXCEEDED', 'Too many requests', 503, 'user.get');
    const gateway = gatewayFailingWith({
      'user.get': limited,
      'profile': new BitrixError('SOMETHING_NEW_FROM_A_PORTAL', '', 400, 'profile'),
      'scope': new TokensUnusableError('m', 1, 'no_tokens'),
      'app.info': new OAuthError('unavailable', 'down', 0),
      'batch': new Error('database gone'),
    });
    const metrics = createMetrics();
    const counted = instrumentGateway(gateway, metrics.restCalls);

    expect(await counted.callAsUser('m', 1, 'pull.application.push.add', {}, { repeatable: false })).toEqual({ result: true });
    expect(await counted.callAsAdmin('m', 'pull.application.push.add')).toEqual({ result: true });
    await expect(counted.callAsUser('m', 1, 'user.get')).rejects.toBe(limited);
    await expect(counted.callAsUser('m', 1, 'profile')).rejects.toBeInstanceOf(BitrixError);
    await expect(counted.callAsAdmin('m', 'scope')).rejects.toBeInstanceOf(TokensUnusableError);
    await expect(counted.callAsAdmin('m', 'app.info')).rejects.toBeInstanceOf(OAuthError);
    await expect(counted.callAsUser('m', 1, 'batch')).rejects.toThrow('database gone');

    const values = (await metrics.restCalls.get()).values.map((value) => [value.labels.method, value.labels.code, value.value]);
    expect(values).toEqual([
      ['pull.application.push.add', 'ok', 2],
      ['user.get', 'QUERY_LIMIT_EXCEEDED', 1],
      // A code no table of ours knows is one series for all of them: a portal cannot multiply the series.
      ['profile', 'other', 1],
      ['scope', 'no_tokens', 1],
      ['app.info', 'oauth_unavailable', 1],
      ['batch', 'error', 1],
    ]);
  });
});
