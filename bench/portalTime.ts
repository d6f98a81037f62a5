/**
 * "Portal time": how long the app waited for Bitrix24 (the simulator). Each call to a portal (`/rest/…`)
 * or to the OAuth server (`/oauth/token/`) is timed from the request until its body is fully read — the
 * portal's processing plus loopback transfer, i.e. what the app waits for — and overlapping calls count
 * once. Used in the benchmark process (bench/harness.ts, app in-process) and in the app process of the
 * load benchmark (bench/appProcess.ts). Nothing here imports the app, the simulator or a database.
 */

/** The header the load generator tags each API request with, so the server side can report on it. */
export const BENCH_ID_HEADER = 'x-bench-id';

export interface PortalCall {
  method: string;
  start: number;
  end: number;
  status: number;
}

/** Method name of a REST URL (`/rest/user.get.json` -> user.get), or the OAuth path; null for anything else. */
export function portalMethodOf(url: string): string | null {
  let pathname: string;
  try {
    pathname = new URL(url).pathname;
  } catch {
    return null;
  }
  if (pathname.startsWith('/oauth/token')) return 'oauth.token';
  const rest = /^\/rest\/+(?:\d+\/[^/]+\/)?([a-z][a-z0-9_.]*?)(?:\.json)?$/i.exec(pathname);
  return rest ? rest[1]!.toLowerCase() : null;
}

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** `original` with every portal call timed (body read to the end) and handed to `record`; other URLs pass through. */
export function timePortalCalls(original: typeof fetch, record: (call: PortalCall) => void): typeof fetch {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = portalMethodOf(url);
    if (method === null) return original(input, init);
    const start = performance.now();
    const done = (status: number) => record({ method, start, end: performance.now(), status });
    let response: Response;
    try {
      response = await original(input, init);
    } catch (error) {
      done(0);
      throw error;
    }
    const body = NULL_BODY_STATUSES.has(response.status) ? null : await response.arrayBuffer();
    done(response.status);
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

/** Length of the union of the calls' intervals (ms), optionally clipped to [from, to]. */
export function portalTimeOf(calls: readonly PortalCall[], from = -Infinity, to = Infinity): number {
  const intervals = calls
    .map((call) => [Math.max(from, call.start), Math.min(to, call.end)] as const)
    .filter(([start, end]) => end > start)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let currentStart = -Infinity;
  let currentEnd = -Infinity;
  for (const [start, end] of intervals) {
    if (start > currentEnd) {
      if (currentEnd > currentStart) total += currentEnd - currentStart;
      currentStart = start;
      currentEnd = end;
    } else currentEnd = Math.max(currentEnd, end);
  }
  if (currentEnd > currentStart) total += currentEnd - currentStart;
  return total;
}
