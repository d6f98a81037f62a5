/**
 * The app as its own OS process for the load benchmark (bench/apiLoad.ts), run with
 * `node --import tsx bench/appProcess.ts`: the real server, `runServer`, as `server/main.ts` runs it,
 * configured by the app's own variables (PORT, PUBLIC_URL, DATABASE_URL, TOKEN_ENCRYPTION_KEY,
 * B24_CLIENT_ID, B24_CLIENT_SECRET, B24_OAUTH_URL, LOG_LEVEL, METRICS_TOKEN …).
 *
 * Differences from `server/main.ts`, all through runServer's own options:
 * - the client pages are a tiny stand-in (the benchmark needs no built client);
 * - our REST pace per portal (Bitrix24's 2 calls a second) is lifted, as the simulator's bucket is: the
 *   benchmark measures the backend, not the portal's limit. The /api/ limits per user and portal have
 *   no such option (see bench/README.md): the load stays under them instead;
 * - outbound calls go through a timing wrapper (bench/portalTime.ts): for each request carrying the
 *   `x-bench-id` header, the time it spent in this server and the time it waited for the portal (union of
 *   its portal calls, attributed with AsyncLocalStorage from `http.server.request.start`) are sent to the
 *   benchmark over the IPC channel.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import dc from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fixtureClientPages } from '../test/support/fixturePages.js';
import { runServer } from '../server/runServer.js';
import { BENCH_ID_HEADER, portalTimeOf, timePortalCalls, type PortalCall } from './portalTime.js';
import type { ServedReport } from './appProcesses.js';

const NO_REST_PACE = { burst: 1_000_000_000, drainPerSecond: 1_000_000_000 };
const requestCalls = new AsyncLocalStorage<PortalCall[]>();

dc.subscribe('http.server.request.start', (message) => {
  const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
  const calls: PortalCall[] = [];
  // The request's handlers run in this synchronous continuation: they (and everything they await) see `calls`.
  requestCalls.enterWith(calls);
  const benchId = request.headers[BENCH_ID_HEADER];
  if (typeof benchId !== 'string' || !process.send) return;
  const started = performance.now();
  response.once('finish', () => {
    const report: ServedReport = { benchId, serverMs: performance.now() - started, portalMs: portalTimeOf(calls) };
    process.send?.(report);
  });
});

await runServer({
  pages: fixtureClientPages(),
  sends: { rateLimit: NO_REST_PACE },
  fetch: timePortalCalls(fetch, (call) => requestCalls.getStore()?.push(call)),
});
