import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import realAxios, { AxiosError as RealAxiosError } from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import axios, { AxiosError, isAxiosError } from '../../client/platformShims/axios.js';
import { FrameBuildUnsupportedError } from '../../client/platformShims/unsupported.js';

/**
 * The frame build's axios (client/platformShims/axios.ts) against a local HTTP server, side by side with the real
 * axios where Node can run it the way a browser does (its fetch adapter): what the SDK's abstract-http.mjs reads
 * must come out the same.
 */

interface Seen {
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const seen: Seen[] = [];
let server: Server;
let base: string;

/** `/answer?status=…&type=…&body=…` answers as told; `/hang` never answers. */
beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname === '/hang') return;
      res.writeHead(Number(url.searchParams.get('status') ?? 200), { 'Content-Type': url.searchParams.get('type') ?? 'application/json', 'X-Answer': 'yes' });
      res.end(url.searchParams.get('body') ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const answerUrl = (status: number, body: string, type = 'application/json') => `${base}/answer?${new URLSearchParams({ status: String(status), body, type })}`;

/** What abstract-http.mjs reads of an answer or a failure. */
async function outcome(post: () => Promise<{ status: number; data: unknown }>) {
  try {
    const response = await post();
    return { resolved: true, status: response.status, data: response.data };
  } catch (error) {
    const failure = error as { message: string; code?: string; status?: number; response?: { status: number; data: unknown } };
    return { resolved: false, message: failure.message, code: failure.code, status: failure.status, response: { status: failure.response?.status, data: failure.response?.data } };
  }
}

const ANSWERS: Array<[string, number, string, string?]> = [
  ['a REST result', 200, JSON.stringify({ result: { ID: '1' }, time: { start: 1 } })],
  ['an empty 200', 200, ''],
  ['a body that is not JSON', 200, 'plain words', 'text/plain'],
  ['expired_token', 401, JSON.stringify({ error: 'expired_token', error_description: 'The access token provided has expired.' })],
  ['a method error', 400, JSON.stringify({ error: 'ERROR_ARGUMENT', error_description: 'bad' })],
  ['a query limit', 503, JSON.stringify({ error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' })],
  ['a server error page', 500, '<html>oops</html>', 'text/html'],
  ['a redirect-range status', 304, ''],
];

describe('the frame build axios', () => {
  it.each(ANSWERS)('answers %s as the real axios does', async (_name, status, body, type) => {
    const url = answerUrl(status, body, type);
    const params = { FILTER: { ID: [1, 2] }, auth: 'token' };
    const shim = await outcome(() => axios.create({ timeout: 30_000, timeoutErrorMessage: 'Request timeout exceeded', headers: {} }).post(url, params));
    const real = await outcome(() => realAxios.create({ adapter: 'fetch', timeout: 30_000, timeoutErrorMessage: 'Request timeout exceeded', headers: {} }).post(url, params));
    expect(shim).toEqual(real);
  });

  it('posts the params as JSON with the headers axios sends, and the instance headers', async () => {
    const client = axios.create({ timeout: 30_000, headers: { 'X-Sdk': 'b24', 'X-Unset': undefined } });
    const response = await client.post(answerUrl(200, '{"result":true}'), { method: 'profile', auth: 'abc' });
    const request = seen.at(-1)!;
    expect(request.method).toBe('POST');
    expect(JSON.parse(request.body)).toEqual({ method: 'profile', auth: 'abc' });
    expect(request.headers).toMatchObject({ accept: 'application/json, text/plain, */*', 'content-type': 'application/json', 'x-sdk': 'b24' });
    expect(request.headers['x-unset']).toBeUndefined();
    expect(response).toMatchObject({ status: 200, statusText: 'OK', data: { result: true }, headers: { 'x-answer': 'yes' } });
  });

  it('rejects a non-2xx answer with an AxiosError the SDK recognises (class, flag, status, parsed body)', async () => {
    const failure = await axios
      .create({})
      .post(answerUrl(401, '{"error":"expired_token","error_description":"expired"}'), {})
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AxiosError);
    expect(failure).toBeInstanceOf(Error);
    expect(isAxiosError(failure)).toBe(true);
    expect(axios.isAxiosError(failure)).toBe(true);
    expect(failure).toMatchObject({ name: 'AxiosError', code: 'ERR_BAD_REQUEST', status: 401, message: 'Request failed with status code 401' });
    expect((failure as AxiosError).response).toMatchObject({ status: 401, data: { error: 'expired_token', error_description: 'expired' } });
    expect(Object.keys(failure as object)).toContain('message');
    expect(isAxiosError(new Error('x'))).toBe(false);
    expect(isAxiosError(null)).toBe(false);
  });

  it('reports a refused connection as ERR_NETWORK "Network Error" (axios in a browser; the SDK maps it to NETWORK_ERROR)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const failure = await axios.create({}).post(`http://127.0.0.1:${port}/rest/profile`, {}).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AxiosError);
    expect(failure).toMatchObject({ code: RealAxiosError.ERR_NETWORK, message: 'Network Error' });
    expect((failure as AxiosError).response).toBeUndefined();
  });

  it('gives up after the timeout as axios’s browser adapter does: ECONNABORTED with timeoutErrorMessage, or its own message', async () => {
    const named = await axios.create({ timeout: 50, timeoutErrorMessage: 'Request timeout exceeded' }).post(`${base}/hang`, {}).catch((error: unknown) => error);
    expect(named).toMatchObject({ code: RealAxiosError.ECONNABORTED, message: 'Request timeout exceeded' });
    const unnamed = await axios.create({ timeout: 50 }).post(`${base}/hang`, {}).catch((error: unknown) => error);
    expect(unnamed).toMatchObject({ code: 'ECONNABORTED', message: 'timeout of 50ms exceeded' });
  });

  it('throws "not supported in the frame build" for what the SDK’s frame paths do not use', () => {
    expect(() => axios.create({ baseURL: 'https://oauth.bitrix.info' } as never)).toThrow(FrameBuildUnsupportedError);
    expect(() => axios.create({ baseURL: 'https://oauth.bitrix.info' } as never)).toThrow(/axios: the option "baseURL" is not supported in the frame build/);
    const client = axios.create({});
    expect(() => client.get()).toThrow(FrameBuildUnsupportedError);
    expect(() => client.interceptors).toThrow(FrameBuildUnsupportedError);
    expect(() => axios.get()).toThrow(FrameBuildUnsupportedError);
  });

  it('refuses a per-request config or a body that is not a plain object or array, before sending', async () => {
    const before = seen.length;
    const client = axios.create({});
    await expect(client.post(`${base}/answer`, {}, { headers: {} })).rejects.toThrow(FrameBuildUnsupportedError);
    await expect(client.post(`${base}/answer`, 'a=1')).rejects.toThrow(FrameBuildUnsupportedError);
    await expect(client.post(`${base}/answer`, new URLSearchParams({ a: '1' }))).rejects.toThrow(FrameBuildUnsupportedError);
    expect(seen.length).toBe(before);
  });
});
