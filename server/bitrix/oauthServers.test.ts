import { describe, expect, it } from 'vitest';
import { createOAuthServers, restEndpointOf } from './oauthServers.js';

const WEST = 'https://oauth.bitrix.info';
const EAST = 'https://oauth.bitrix24.tech';

describe('the configured OAuth servers', () => {
  const servers = createOAuthServers([WEST, EAST]);

  it('picks the configured server a server_endpoint names, however it is written', () => {
    for (const named of ['https://oauth.bitrix24.tech/rest/', 'https://oauth.bitrix24.tech/rest', 'https://oauth.bitrix24.tech/', 'https://OAUTH.Bitrix24.tech:443/rest/', EAST]) {
      expect(servers.pick(named), named).toBe(EAST);
      expect(servers.find(named), named).toBe(EAST);
    }
    expect(servers.pick('https://oauth.bitrix.info/rest/')).toBe(WEST);
  });

  it('gives anything off the list the default (the first), and never a host it names', () => {
    const offTheList = [
      'https://oauth.evil.example/rest/',
      'http://oauth.bitrix24.tech/rest/', // another scheme is another server
      'https://oauth.bitrix24.tech:8443/rest/',
      'https://oauth.bitrix24.tech.evil.example/rest/',
      'https://user:pw@oauth.bitrix24.tech/rest/',
      'https://oauth.bitrix24.tech/rest/?next=https://evil.example',
      'https://oauth.bitrix24.tech/other/rest/',
      'oauth.bitrix24.tech',
      'javascript:alert(1)',
      '',
    ];
    for (const named of offTheList) {
      expect(servers.find(named), named).toBeNull();
      expect(servers.pick(named), named).toBe(WEST);
    }
    expect(servers.pick(null)).toBe(WEST);
    expect(servers.pick(undefined)).toBe(WEST);
  });

  it('keeps one of each and the order given', () => {
    expect(createOAuthServers([EAST, `${WEST}/`, WEST]).urls).toEqual([EAST, WEST]);
    expect(createOAuthServers(EAST).pick('https://oauth.bitrix.info/rest/')).toBe(EAST);
    expect(() => createOAuthServers([])).toThrow(/At least one/);
    expect(restEndpointOf(EAST)).toBe('https://oauth.bitrix24.tech/rest/');
  });
});
