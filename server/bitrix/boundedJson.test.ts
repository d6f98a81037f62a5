import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnswerTooLargeError, DEFAULT_MAX_ANSWER_BYTES, readBoundedJson } from './boundedJson.js';
import { ANSWER_TOO_LARGE, BitrixError, callRest } from './restClient.js';
import { createOAuthClient, OAuthError } from './oauthClient.js';
import { describeBitrixError } from './errorCatalog.js';
import { classifyPushFailure } from '../send/pushOutcome.js';

/**
 * Answers from a portal or the OAuth server are read with a limit (issue 18): past it the rest is never
 * received. Real sockets: a server streams a huge answer generated on the fly (never held in memory) and
 * sees its connection dropped long before the end.
 */

const MB = 1024 * 1024;
const HUGE = 60 * MB;
/** 64 KiB of `{},` written again and again. */
const GARBAGE = Buffer.from('{},'.repeat(65_536 / 3));

interface Streamed {
  written: number;
  closedEarly: boolean;
}

/** Writes `[` and then `{},` until `total` bytes or until the client goes away, respecting back-pressure. */
function streamGarbage(res: ServerResponse, total: number, streamed: Streamed, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'Content-Type': 'application/json', ...headers });
  res.on('close', () => {
    if (!res.writableFinished) streamed.closedEarly = true;
  });
  res.write('[');
  streamed.written = 1;
  const pump = () => {
    while (streamed.written < total && !res.destroyed) {
      streamed.written += GARBAGE.length;
      if (!res.write(GARBAGE)) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end('{}]');
  };
  pump();
}

describe('bounded JSON answers', () => {
  let server: Server;
  let base: string;
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end('{}');

  beforeAll(async () => {
    server = createServer((req, res) => handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const failure = <T>(promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error as T);

  it('reads an ordinary answer, and gives null for what is not JSON (as before)', async () => {
    expect(await readBoundedJson(new Response('{"result":{"ID":"1","ADMIN":true}}'))).toEqual({ result: { ID: '1', ADMIN: true } });
    expect(await readBoundedJson(new Response('\uFEFF{"result":true}'))).toEqual({ result: true });
    expect(await readBoundedJson(new Response('<html>Bad gateway</html>'))).toBeNull();
    expect(await readBoundedJson(new Response(''))).toBeNull();
    expect(await readBoundedJson(new Response(null))).toBeNull();
  });

  it('a 60 MB answer is cut at the limit: the rest is never received, and the portal call fails ANSWER_TOO_LARGE (502)', async () => {
    const streamed: Streamed = { written: 0, closedEarly: false };
    handler = (_req, res) => streamGarbage(res, HUGE, streamed);
    const error = await failure<BitrixError>(callRest(`${base}/rest/`, 'profile', {}, 'garbage-token'));
    expect(error).toBeInstanceOf(BitrixError);
    expect([error!.code, error!.httpStatus, error!.method]).toEqual([ANSWER_TOO_LARGE, 200, 'profile']);
    expect(describeBitrixError(error!.code)).toMatchObject({ apiCode: 'PORTAL_ANSWER_TOO_LARGE', httpStatus: 502 });
    await expect.poll(() => streamed.closedEarly).toBe(true);
    // What left the server before it saw the connection drop: the limit plus what the sockets buffer.
    expect(streamed.written).toBeLessThan(DEFAULT_MAX_ANSWER_BYTES + 8 * MB);
  });

  it('an answer that says it is too large is not read at all', async () => {
    const streamed: Streamed = { written: 0, closedEarly: false };
    handler = (_req, res) => streamGarbage(res, HUGE, streamed, { 'Content-Length': String(HUGE + 2) });
    const error = await failure<BitrixError>(callRest(`${base}/rest/`, 'profile', {}, 'garbage-token', { answerLimits: { maxBytes: MB } }));
    expect(error!.code).toBe(ANSWER_TOO_LARGE);
    expect(error!.description).toContain(`${MB} bytes`);
    await expect.poll(() => streamed.closedEarly).toBe(true);
  });

  it('an answer under the byte limit with more JSON values than any real one is refused before parsing', async () => {
    const objects = 130_000;
    handler = (_req, res) => res.end(`[${'{},'.repeat(objects - 1)}{}]`);
    const error = await failure<BitrixError>(callRest(`${base}/rest/`, 'batch', {}, 'token'));
    expect(error!.code).toBe(ANSWER_TOO_LARGE);
    expect(error!.description).toContain('250000 JSON values');
    // The same with room for them is read.
    const read = await callRest(`${base}/rest/`, 'batch', {}, 'token', { answerLimits: { maxValues: 2 * objects + 1 } }).catch((caught: unknown) => caught);
    expect(read).toMatchObject({ code: 'BAD_ANSWER' });
  });

  it('the limits are the caller’s to set: a small cap refuses what the default allows', async () => {
    const body = JSON.stringify({ result: 'x'.repeat(2_000) });
    handler = (_req, res) => res.end(body);
    expect((await callRest(`${base}/rest/`, 'app.info', {}, 'token')).result).toHaveLength(2_000);
    expect(await failure(callRest(`${base}/rest/`, 'app.info', {}, 'token', { answerLimits: { maxBytes: 1_000 } }))).toMatchObject({ code: ANSWER_TOO_LARGE });
    // `[1,2,3]`: one `[` and two commas, plus one.
    await expect(readBoundedJson(new Response('[1,2,3]'), { maxValues: 4 })).resolves.toEqual([1, 2, 3]);
    await expect(readBoundedJson(new Response('[1,2,3,4]'), { maxValues: 4 })).rejects.toBeInstanceOf(AnswerTooLargeError);
  });

  it('a push whose answer was too large to read may have been accepted: uncertain, never repeated', async () => {
    const streamed: Streamed = { written: 0, closedEarly: false };
    handler = (_req, res) => streamGarbage(res, HUGE, streamed);
    const error = await failure(callRest(`${base}/rest/`, 'pull.application.push.add', { TEXT: 'x' }, 'token'));
    expect(classifyPushFailure(error)).toEqual({ kind: 'uncertain', code: ANSWER_TOO_LARGE });
  });

  it('the OAuth server’s answers are bounded too: an oversized one is a bad answer, not read to its end', async () => {
    const streamed: Streamed = { written: 0, closedEarly: false };
    handler = (_req, res) => streamGarbage(res, HUGE, streamed);
    const oauth = createOAuthClient({ oauthUrl: base, clientId: 'app', clientSecret: 'secret' });
    const info = await failure<OAuthError>(oauth.tokenInfo('token'));
    expect(info).toBeInstanceOf(OAuthError);
    expect(info!.code).toBe('bad_answer');
    const refresh = await failure<OAuthError>(oauth.refresh('refresh-token'));
    expect(refresh!.code).toBe('bad_answer');
    await expect.poll(() => streamed.closedEarly).toBe(true);
    expect(streamed.written).toBeLessThan(DEFAULT_MAX_ANSWER_BYTES + 8 * MB);
  });
});
