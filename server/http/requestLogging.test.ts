import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { requestLogging } from './requestLogging.js';

interface LogLine {
  level: number;
  msg: string;
  req?: { id: string; method: string; path: string };
  res?: { statusCode: number };
}

const LEVEL = { debug: 20, info: 30, warn: 40 } as const;

let server: Server | undefined;

/** An app with the request logging in front of a few routes, logging at `level` into `lines`. */
async function serve(level: 'info' | 'debug', options: Parameters<typeof requestLogging>[1] = {}) {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as LogLine);
      done();
    },
  });
  let ready = true;
  const app = express();
  app.use(requestLogging(createLogger({ level, destination }), options));
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', (_req, res) => void res.status(ready ? 200 : 503).json({}));
  app.get('/api/status', (_req, res) => void res.json({}));
  server = createServer(app).listen(0, '127.0.0.1');
  await new Promise((resolve) => server!.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    lines,
    setReady: (value: boolean) => (ready = value),
    async get(path: string, headers: Record<string, string> = {}) {
      const response = await fetch(base + path, { headers });
      await response.arrayBuffer();
      // pino-http logs on the response's finish, which may follow the client's read by a tick.
      await new Promise((resolve) => setImmediate(resolve));
      return response;
    },
  };
}

afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

const requestLines = (lines: LogLine[]) => lines.filter((line) => line.req);

describe('request logging', () => {
  it('logs every request at info with its id and path, but not the health probes that succeed', async () => {
    const app = await serve('info');
    await app.get('/healthz');
    await app.get('/readyz?probe=1');
    const answer = await app.get('/api/status?secret=1', { 'X-Request-Id': 'req-12345678' });
    expect(answer.headers.get('x-request-id')).toBe('req-12345678');
    expect(requestLines(app.lines)).toEqual([expect.objectContaining({ level: LEVEL.info, req: { id: 'req-12345678', method: 'GET', path: '/api/status' }, res: { statusCode: 200 } })]);
  });

  it('logs the health probes at debug, and a failing probe at warn', async () => {
    const app = await serve('debug');
    await app.get('/healthz');
    await app.get('/readyz');
    app.setReady(false);
    await app.get('/readyz');
    expect(requestLines(app.lines).map((line) => [line.req?.path, line.res?.statusCode, line.level])).toEqual([
      ['/healthz', 200, LEVEL.debug],
      ['/readyz', 200, LEVEL.debug],
      ['/readyz', 503, LEVEL.warn],
    ]);
  });

  it('logs the other requests at the level asked for (the demo: debug), a failing probe still at warn', async () => {
    const app = await serve('debug', { level: 'debug' });
    await app.get('/api/status');
    app.setReady(false);
    await app.get('/readyz');
    expect(requestLines(app.lines).map((line) => [line.req?.path, line.level])).toEqual([
      ['/api/status', LEVEL.debug],
      ['/readyz', LEVEL.warn],
    ]);
  });
});
