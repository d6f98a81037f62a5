import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination }) };
}

describe('logger', () => {
  it('redacts token fields however Bitrix24 spells them, at any depth', () => {
    const { lines, logger } = capture();
    const secrets = ['SECRET-ACCESS', 'SECRET-REFRESH', 'SECRET-APPTOKEN', 'SECRET-AUTHID', 'SECRET-CLIENT'];
    logger.info(
      {
        access_token: secrets[0],
        install: { REFRESH_ID: secrets[1], fields: { APPLICATION_TOKEN: secrets[2] } },
        form: { AUTH_ID: secrets[3] },
        oauth: { request: { client_secret: secrets[4] } },
      },
      'install received',
    );
    const output = lines.join('');
    expect(output).toContain('install received');
    for (const secret of secrets) expect(output).not.toContain(secret);
    expect(output).toContain('[redacted]');
  });
});
