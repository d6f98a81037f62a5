import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { nextMessage, startTsWorker } from './tsWorker.js';

/**
 * A minimal load balancer for the load benchmark: each request goes to the next upstream in turn
 * (method, path, headers and body forwarded as they came, plus X-Forwarded-For; the answer streamed
 * back), over kept-alive connections. It records its own cost per request (time in the proxy minus the
 * upstream's answer time) so the benchmark can say what the extra hop adds. `startProxyThread` runs it on
 * a worker thread of its own, away from the simulator's work on the main thread.
 */

export interface RoundRobinProxy {
  url: string;
  /** Per forwarded request: the proxy's own milliseconds (total minus the upstream exchange). */
  readonly hopMs: number[];
  close(): Promise<void>;
}

/** Connection-level headers a proxy does not forward (RFC 9110, 7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

function forwardable(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name, value]) => value !== undefined && !HOP_BY_HOP.has(name)));
}

export async function startRoundRobinProxy(upstreams: readonly string[]): Promise<RoundRobinProxy> {
  if (upstreams.length === 0) throw new Error('a proxy needs at least one upstream');
  const targets = upstreams.map((upstream) => new URL(upstream));
  const agent = new http.Agent({ keepAlive: true });
  const hopMs: number[] = [];
  let turn = 0;

  const server = http.createServer((req, res) => {
    const started = performance.now();
    const target = targets[turn++ % targets.length]!;
    const forwardedFor = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');
    const upstreamStarted = performance.now();
    let upstreamMs = 0;
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, agent, headers: { ...forwardable(req.headers), 'x-forwarded-for': forwardedFor } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, forwardable(answer.headers));
        answer.on('end', () => (upstreamMs = performance.now() - upstreamStarted));
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end('bad gateway');
    });
    res.once('finish', () => {
      if (upstreamMs > 0) hopMs.push(performance.now() - started - upstreamMs);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hopMs,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}

export interface ProxyThread {
  url: string;
  /** The hop times recorded so far (asked of the thread). */
  hopMs(): Promise<number[]>;
  close(): Promise<void>;
}

type ProxyMessage = { type: 'listening'; url: string } | { type: 'hops'; hopMs: number[] };

export async function startProxyThread(upstreams: readonly string[]): Promise<ProxyThread> {
  const worker = startTsWorker(import.meta.url, { proxyUpstreams: upstreams });
  try {
    const listening = await nextMessage<ProxyMessage>(worker);
    if (listening.type !== 'listening') throw new Error(`the proxy thread said ${listening.type} first`);
    return {
      url: listening.url,
      async hopMs() {
        const answer = nextMessage<ProxyMessage>(worker);
        worker.postMessage('hops');
        const hops = await answer;
        return hops.type === 'hops' ? hops.hopMs : [];
      },
      async close() {
        await worker.terminate();
      },
    };
  } catch (error) {
    await worker.terminate();
    throw error;
  }
}

const upstreamsForThread = (workerData as { proxyUpstreams?: string[] } | null)?.proxyUpstreams;
if (parentPort && upstreamsForThread) {
  const port = parentPort;
  const proxy = await startRoundRobinProxy(upstreamsForThread);
  port.on('message', () => port.postMessage({ type: 'hops', hopMs: proxy.hopMs } satisfies ProxyMessage));
  port.postMessage({ type: 'listening', url: proxy.url } satisfies ProxyMessage);
}
