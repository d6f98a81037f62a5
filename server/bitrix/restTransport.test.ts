import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BitrixError, callRest, NOT_CONNECTED } from './restClient.js';
import { OUTCOME_UNKNOWN } from '../send/sendErrors.js';
import { classifyPushFailure } from '../send/pushOutcome.js';

/**
 * Real sockets: a connection that was never made (certainly nothing ran) against a request that arrived
 * and then lost its answer (it may have run). The difference decides whether a push may be tried again.
 */
describe('REST transport failures', () => {
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

  it('a request whose connection dropped after it was sent is a NETWORK_ERROR that may have run: a push of it is uncertain', async () => {
    const error = await failure(callRest(endpoint, 'pull.application.push.add', { TEXT: 'x' }, 'token'));
    expect(requests).toBe(1);
    expect(error).toBeInstanceOf(BitrixError);
    expect(error!.code).toBe('NETWORK_ERROR');
    expect(error!.description).not.toBe(NOT_CONNECTED);
    expect(classifyPushFailure(error)).toEqual({ kind: 'uncertain', code: OUTCOME_UNKNOWN });
  });

  it('a refused connection is a NETWORK_ERROR that certainly did not reach Bitrix24: a push of it is tried again', async () => {
    const error = await failure(callRest(closedEndpoint, 'pull.application.push.add', { TEXT: 'x' }, 'token'));
    expect([error!.code, error!.description]).toEqual(['NETWORK_ERROR', NOT_CONNECTED]);
    expect(classifyPushFailure(error).kind).toBe('retry');
  });
});
