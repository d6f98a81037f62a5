import { describe, expect, it } from 'vitest';
import { createOAuthClient } from './oauthClient.js';

const WEST = 'https://oauth.bitrix.info';
const EAST = 'https://oauth.bitrix24.tech';

interface Sent {
  url: string;
  body: string;
}

/** A fetch that records each request and answers the OAuth server's way (no network). */
function recordingFetch(answer: (url: string) => unknown): { fetch: typeof fetch; sent: Sent[] } {
  const sent: Sent[] = [];
  const fake = async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    sent.push({ url, body: String(init?.body ?? '') });
    return new Response(JSON.stringify(answer(url)), { status: 200, headers: { 'Content-Type': 'application/json' } });
  };
  return { fetch: fake as typeof fetch, sent };
}

const grant = (scope: string, serverEndpoint = `${EAST}/rest/`) => ({
  access_token: 'access-token-1',
  refresh_token: 'refresh-token-2',
  expires_in: 3600,
  scope,
  member_id: 'a223c6b3710f85df22e9377d6c4f7553',
  client_endpoint: 'https://portal.bitrix24.com/rest/',
  server_endpoint: serverEndpoint,
  domain: 'oauth.bitrix24.tech',
  status: 'F',
});

describe('the OAuth client with several servers', () => {
  it('refreshes at the configured server the portal names, the secret only in the POST body', async () => {
    const { fetch, sent } = recordingFetch(() => grant('app'));
    const oauth = createOAuthClient({ oauthUrl: [WEST, EAST], clientId: 'app.1', clientSecret: 'secret-123456', fetch });
    expect((await oauth.refresh('refresh-token-1', `${EAST}/rest/`)).serverEndpoint).toBe(`${EAST}/rest/`);
    await oauth.refresh('refresh-token-1', `${WEST}/rest/`);
    expect(sent.map((request) => request.url)).toEqual([`${EAST}/oauth/token/`, `${WEST}/oauth/token/`]);
    for (const request of sent) {
      expect(request.url).not.toContain('secret');
      expect(new URLSearchParams(request.body).get('client_secret')).toBe('secret-123456');
    }
  });

  it('sends anything off the list, or nothing named, to the default server, never to the host named', async () => {
    const { fetch, sent } = recordingFetch((url) => (url.endsWith('/app.info') ? { result: { member_id: 'm1', client_endpoint: 'https://portal.bitrix24.com/rest' } } : grant('app')));
    const oauth = createOAuthClient({ oauthUrl: [WEST, EAST], clientId: 'app.1', clientSecret: 'secret-123456', fetch });
    await oauth.refresh('refresh-token-1', 'https://oauth.evil.example/rest/');
    await oauth.refresh('refresh-token-1');
    await oauth.tokenInfo('access-token-1', 'https://oauth.evil.example/rest/');
    await oauth.tokenInfo('access-token-1', null);
    expect(sent.map((request) => new URL(request.url).origin)).toEqual([WEST, WEST, WEST, WEST]);
  });

  it('checks a token at the named server; an answer naming no server_endpoint gets the one that answered', async () => {
    const { fetch, sent } = recordingFetch(() => ({ result: { member_id: 'm1', client_endpoint: 'https://portal.bitrix24.com/rest/' } }));
    const oauth = createOAuthClient({ oauthUrl: [WEST, EAST], clientId: 'app.1', clientSecret: 'secret-123456', fetch });
    const info = await oauth.tokenInfo('access-token-1', `${EAST}/rest/`);
    expect(sent[0]?.url).toBe(`${EAST}/rest/app.info`);
    expect(new URLSearchParams(sent[0]?.body).has('client_secret')).toBe(false);
    expect(info).toMatchObject({ memberId: 'm1', serverEndpoint: `${EAST}/rest/` });
  });

  it('reads the scope of a refresh answer as a comma-separated list (the current docs) or `app` (the docs until 2026-08)', async () => {
    for (const [scope, expected] of [
      ['crm,entity,im,task', ['crm', 'entity', 'im', 'task']],
      ['pull, user_brief', ['pull', 'user_brief']],
      ['app', null],
      ['', null],
    ] as const) {
      const { fetch } = recordingFetch(() => grant(scope));
      const oauth = createOAuthClient({ oauthUrl: WEST, clientId: 'app.1', clientSecret: 'secret-123456', fetch });
      expect((await oauth.refresh('refresh-token-1')).scope, scope).toEqual(expected);
    }
  });
});
