import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BitrixError, callRest } from '../bitrix/restClient.js';
import { NOT_CONNECTED, pushSafeFetch } from './pushTransport.js';
import { OUTCOME_UNKNOWN } from './sendErrors.js';
import { classifyPushFailure } from './sendPipeline.js';

/** Real sockets: a refused connection versus a request that arrived and then lost its answer. */
describe('push transport', () => {
  let hangUp: Server;
  let endpoint: string;
  let closedEndpoint: string;
  let requests = 0;

  beforeAll(async () => {
    hangUp = createServer((req) => {
      requests += 1;
      req.socket.destroy();
    });
    await new Promise<void>((resolve) => hangUp.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(hangUp.address() as AddressInfo).port}/rest/`;
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    closedEndpoint = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/rest/`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => hangUp.close(() => resolve()));
  });

  const failure = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error as BitrixError);

  it('a push whose connection dropped after sending is PUSH_OUTCOME_UNKNOWN (uncertain, not retried)', async () => {
    const error = await failure(callRest(endpoint, 'pull.application.push.add', { TEXT: 'x' }, 'token', { fetch: pushSafeFetch() }));
    expect(requests).toBe(1);
    expect(error).toBeInstanceOf(BitrixError);
    expect([error!.code, error!.httpStatus]).toEqual([OUTCOME_UNKNOWN, 599]);
    expect(classifyPushFailure(error).kind).toBe('uncertain');
  });

  it('other methods keep the plain NETWORK_ERROR (reads may be repeated)', async () => {
    const error = await failure(callRest(endpoint, 'user.get', {}, 'token', { fetch: pushSafeFetch() }));
    expect(error!.code).toBe('NETWORK_ERROR');
    expect(error!.description).not.toBe(NOT_CONNECTED);
  });

  it('a refused connection is NETWORK_ERROR "ConnectionRefused": it certainly did not reach Bitrix24, so it is retried', async () => {
    const error = await failure(callRest(closedEndpoint, 'pull.application.push.add', { TEXT: 'x' }, 'token', { fetch: pushSafeFetch() }));
    expect([error!.code, error!.description]).toEqual(['NETWORK_ERROR', NOT_CONNECTED]);
    expect(classifyPushFailure(error).kind).toBe('retry');
  });
});
