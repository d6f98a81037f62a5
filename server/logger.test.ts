import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify, stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { chooseLogFormat, createLogger, type LogFormat } from './logger.js';

function capture(format?: LogFormat) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination, format }) };
}

const secrets = ['SECRET-ACCESS', 'SECRET-REFRESH', 'SECRET-APPTOKEN', 'SECRET-AUTHID', 'SECRET-CLIENT'];
const installEntry = {
  access_token: secrets[0],
  install: { REFRESH_ID: secrets[1], fields: { APPLICATION_TOKEN: secrets[2] } },
  form: { AUTH_ID: secrets[3] },
  oauth: { request: { client_secret: secrets[4] } },
};

describe('logger', () => {
  it('redacts token fields however Bitrix24 spells them, at any depth', () => {
    const { lines, logger } = capture();
    logger.info(installEntry, 'install received');
    const output = lines.join('');
    expect(output).toContain('install received');
    for (const secret of secrets) expect(output).not.toContain(secret);
    expect(output).toContain('[redacted]');
  });

  it('writes one JSON object a line, naming the product', () => {
    const { lines, logger } = capture();
    logger.info({ memberId: 'abc' }, 'install verified and stored');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, service: 'team-push', memberId: 'abc', msg: 'install verified and stored' });
  });

  it('pretty: one readable line per entry (level, message, fields), still redacted', () => {
    const { lines, logger } = capture('pretty');
    logger.info(installEntry, 'install received');
    logger.warn({ port: 3000 }, 'listening');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO: install received \{.*"\[redacted\]".*\}\n$/);
    expect(lines[1]).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] WARN: listening \{"port":3000\}\n$/);
    for (const secret of secrets) expect(lines.join('')).not.toContain(secret);
    expect(lines.join('')).not.toContain('team-push');
  });
});

describe('choosing the log format', () => {
  const terminal = { isTTY: true, nodeEnv: undefined, prettyInstalled: true };

  it('is pretty for a person at a terminal outside production', () => {
    expect(chooseLogFormat(terminal)).toBe('pretty');
    expect(chooseLogFormat({ ...terminal, nodeEnv: 'development' })).toBe('pretty');
  });

  it('is JSON when stdout is not a terminal (a pipe, a file, a container log)', () => {
    expect(chooseLogFormat({ ...terminal, isTTY: false })).toBe('json');
  });

  it('is JSON in production, even at a terminal', () => {
    expect(chooseLogFormat({ ...terminal, nodeEnv: 'production' })).toBe('json');
  });

  it('is JSON where pino-pretty is not installed (a production install)', () => {
    expect(chooseLogFormat({ ...terminal, prettyInstalled: false })).toBe('json');
  });
});

describe('the process logger (no destination given)', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));

  /** A child that logs one entry to its stdout (a pipe), told it is a terminal or not. */
  async function logInChild(options: { pretendTTY: boolean; nodeEnv?: string }): Promise<string> {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.NODE_ENV;
    if (options.nodeEnv) env.NODE_ENV = options.nodeEnv;
    const code = [
      options.pretendTTY ? 'process.stdout.isTTY = true;' : '',
      "const { createLogger } = await import('./server/logger.ts');",
      "createLogger({ level: 'info' }).info({ access_token: 'SECRET-ACCESS', port: 3000 }, 'listening');",
    ].join('\n');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, env });
    return stripVTControlCharacters(stdout);
  }

  it('prints pretty lines at a terminal, JSON in production at a terminal and JSON into a pipe', async () => {
    const [terminal, production, pipe] = await Promise.all([
      logInChild({ pretendTTY: true }),
      logInChild({ pretendTTY: true, nodeEnv: 'production' }),
      logInChild({ pretendTTY: false }),
    ]);
    expect(terminal).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO: listening \{"access_token":"\[redacted\]","port":3000\}\n$/);
    expect(() => JSON.parse(terminal) as unknown).toThrow();
    for (const json of [production, pipe]) expect(JSON.parse(json)).toMatchObject({ level: 30, msg: 'listening', port: 3000, access_token: '[redacted]' });
    for (const output of [terminal, production, pipe]) expect(output).not.toContain('SECRET-ACCESS');
  });
});
