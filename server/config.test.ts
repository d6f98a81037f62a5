import { describe, expect, it } from 'vitest';
import { ConfigError, formatConfigError, loadConfig } from './config.js';

function failure(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('runs on the embedded defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      publicUrl: 'http://localhost:3000',
      b24: null,
      oauthUrl: 'https://oauth.bitrix.info',
      oauthUrls: ['https://oauth.bitrix.info'],
      appName: 'Team Push',
      databaseUrl: 'sqlite:./data/app.sqlite',
      dataDir: './data',
      tokenEncryptionKey: null,
      uninstallPurgeAfterMs: 7 * 86_400_000,
      sendRetentionMs: 400 * 86_400_000,
      metricsToken: null,
    });
  });

  it('takes one OAuth server or several, comma-separated, the first being the default', () => {
    expect(loadConfig({ B24_OAUTH_URL: 'https://oauth.bitrix24.tech/' })).toMatchObject({ oauthUrl: 'https://oauth.bitrix24.tech', oauthUrls: ['https://oauth.bitrix24.tech'] });
    expect(loadConfig({ B24_OAUTH_URL: ' https://oauth.bitrix.info , https://oauth.bitrix24.tech/,https://oauth.bitrix.info/, ' })).toMatchObject({
      oauthUrl: 'https://oauth.bitrix.info',
      oauthUrls: ['https://oauth.bitrix.info', 'https://oauth.bitrix24.tech'],
    });
    // Plain http only for localhost, as for PUBLIC_URL (the simulator's servers in tests).
    expect(loadConfig({ B24_OAUTH_URL: 'http://127.0.0.1:9000,http://localhost:9001' }).oauthUrls).toEqual(['http://127.0.0.1:9000', 'http://localhost:9001']);
  });

  it('refuses a bad OAuth server item by its place, without echoing it', () => {
    const cases: Array<[string, RegExp]> = [
      ['https://oauth.bitrix.info,http://oauth.bitrix24.tech', /B24_OAUTH_URL must use https \(plain http is allowed only for localhost\) \(item 2 of 2\)/],
      ['https://oauth.bitrix.info,oauth.bitrix24.tech', /B24_OAUTH_URL must be an absolute URL \(item 2 of 2\)/],
      ['https://user:hunter2@oauth.bitrix24.tech,https://oauth.bitrix.info', /B24_OAUTH_URL must not carry credentials, a query or a fragment \(item 1 of 2\)/],
      ['https://oauth.bitrix.info/rest/', /B24_OAUTH_URL takes the server's base URL, without \/rest\//],
      [' , ,', /B24_OAUTH_URL must name at least one OAuth server URL/],
      [Array.from({ length: 9 }, (_, i) => `https://oauth${i}.example`).join(','), /at most 8 OAuth servers/],
    ];
    for (const [value, message] of cases) {
      const error = failure({ B24_OAUTH_URL: value });
      expect(error.variable, value).toBe('B24_OAUTH_URL');
      expect(error.message, value).toMatch(message);
      expect(error.message).not.toContain('hunter2');
    }
  });

  it('takes a metrics token of at least 32 printable characters', () => {
    const token = 'm'.repeat(31) + '!';
    expect(loadConfig({ METRICS_TOKEN: ` ${token} ` }).metricsToken).toBe(token);
    expect(loadConfig({ METRICS_TOKEN: '' }).metricsToken).toBeNull();
  });

  it('takes the trusted proxies as addresses, CIDR ranges or named ranges, loopback by default', () => {
    expect(loadConfig({}).trustProxy).toEqual(['loopback']);
    expect(loadConfig({ TRUST_PROXY: ' 172.18.0.0/16, 10.0.0.2 ,uniquelocal,::1/128' }).trustProxy).toEqual(['172.18.0.0/16', '10.0.0.2', 'uniquelocal', '::1/128']);
    for (const bad of ['true', '1', '*', '10.0.0.0/33', 'proxy.example', '10.0.0.0/8/1', ', ,']) {
      expect(() => loadConfig({ TRUST_PROXY: bad }), bad).toThrow(/TRUST_PROXY must list proxy addresses/);
    }
  });

  it('refuses trusted proxy ranges that cover public addresses or are wider than a private network, with a clear message', () => {
    const good = ['10.0.0.0/8', '10.1.2.0/24', '172.16.0.0/12', '172.18.0.0/16', '192.168.1.0/24', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', 'fd00::/8', 'fc00::/7', 'fe80::/64', '203.0.113.7', '203.0.113.7/32', '2001:db8::1', '::1/128'];
    for (const item of good) expect(loadConfig({ TRUST_PROXY: item }).trustProxy, item).toEqual([item]);
    const bad = ['0.0.0.0/0', '0.0.0.0/1,128.0.0.0/1', '10.0.0.0/7', '172.0.0.0/8', '192.168.0.0/15', '8.8.8.0/24', '203.0.113.0/31', '::/0', '2000::/3', 'fc00::/6', '0.0.0.0', '::', '10.0.0.0/8,0.0.0.0/1'];
    for (const item of bad) expect(() => loadConfig({ TRUST_PROXY: item }), item).toThrow(/TRUST_PROXY must list proxy addresses or CIDR ranges inside one private network/);
  });

  it('takes a Redis URL for the shared limits, and refuses anything else', () => {
    expect(loadConfig({}).redisUrl).toBeNull();
    expect(loadConfig({ REDIS_URL: 'redis://:secret@cache:6379/2' }).redisUrl).toBe('redis://:secret@cache:6379/2');
    expect(loadConfig({ REDIS_URL: 'rediss://cache.example:6380' }).redisUrl).toBe('rediss://cache.example:6380');
    for (const bad of ['cache:6379', 'http://cache:6379', 'redis//cache']) {
      expect(() => loadConfig({ REDIS_URL: bad }), bad).toThrow(/REDIS_URL must be redis:\/\//);
    }
  });

  it('takes the send retention in whole days', () => {
    expect(loadConfig({ SEND_RETENTION_DAYS: '30' }).sendRetentionMs).toBe(30 * 86_400_000);
    expect(loadConfig({ SEND_RETENTION_DAYS: '3650' }).sendRetentionMs).toBe(3650 * 86_400_000);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      PUBLIC_URL: 'https://push.example.com/b24/',
      B24_CLIENT_ID: 'local.abc123.456',
      B24_CLIENT_SECRET: 'S3cr3tS3cr3t',
      B24_OAUTH_URL: 'http://127.0.0.1:9000',
      B24_APP_NAME: ' Office news ',
      DATABASE_URL: 'postgres://app@db:5432/push',
      TOKEN_ENCRYPTION_KEY: 'k'.repeat(44),
      LOG_LEVEL: 'warn',
    });
    expect(config).toMatchObject({
      port: 8080,
      publicUrl: 'https://push.example.com/b24',
      b24: { clientId: 'local.abc123.456', clientSecret: 'S3cr3tS3cr3t' },
      oauthUrl: 'http://127.0.0.1:9000',
      oauthUrls: ['http://127.0.0.1:9000'],
      appName: 'Office news',
      databaseUrl: 'postgres://app@db:5432/push',
      logLevel: 'warn',
    });
  });

  it('takes previous token keys for a rotation only together with the new key', () => {
    expect(loadConfig({ TOKEN_ENCRYPTION_KEY: 'k', TOKEN_ENCRYPTION_KEY_PREVIOUS: ' a , b,' }).previousEncryptionKeys).toEqual(['a', 'b']);
    expect(() => loadConfig({ TOKEN_ENCRYPTION_KEY_PREVIOUS: 'a' })).toThrow(/TOKEN_ENCRYPTION_KEY_PREVIOUS needs the new key/);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', B24_APP_NAME: '' }).port).toBe(3000);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ PUBLIC_URL: 'not a url' }, 'PUBLIC_URL'],
    [{ PUBLIC_URL: 'http://push.example.com' }, 'PUBLIC_URL'],
    [{ B24_OAUTH_URL: 'http://evil.example.com' }, 'B24_OAUTH_URL'],
    [{ B24_OAUTH_URL: 'https://user:pw@oauth.bitrix.info' }, 'B24_OAUTH_URL'],
    [{ B24_CLIENT_ID: 'local.abc' }, 'B24_CLIENT_SECRET'],
    [{ B24_CLIENT_SECRET: 'abcdefghijk' }, 'B24_CLIENT_ID'],
    [{ B24_CLIENT_ID: 'bad id with spaces', B24_CLIENT_SECRET: 'abcdefghijk' }, 'B24_CLIENT_ID'],
    [{ B24_APP_NAME: 'x'.repeat(101) }, 'B24_APP_NAME'],
    [{ DATABASE_URL: 'mysql://db/push' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'postgres://db/push' }, 'TOKEN_ENCRYPTION_KEY'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ SEND_RETENTION_DAYS: '0' }, 'SEND_RETENTION_DAYS'],
    [{ SEND_RETENTION_DAYS: '1.5' }, 'SEND_RETENTION_DAYS'],
    [{ SEND_RETENTION_DAYS: 'forever' }, 'SEND_RETENTION_DAYS'],
    [{ SEND_RETENTION_DAYS: '3651' }, 'SEND_RETENTION_DAYS'],
    [{ METRICS_TOKEN: 'x'.repeat(31) }, 'METRICS_TOKEN'],
    [{ METRICS_TOKEN: `${'x'.repeat(20)} ${'y'.repeat(20)}` }, 'METRICS_TOKEN'],
  ])('stops on %o naming %s in one line', (env, variable) => {
    const error = failure(env);
    expect(error.variable).toBe(variable);
    const line = formatConfigError(error);
    expect(line).toContain(variable);
    expect(line).not.toContain('\n');
  });
});
