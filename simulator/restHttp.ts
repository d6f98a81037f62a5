import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestLogEntry } from './contract.js';
import { normaliseMethod } from './faults.js';
import { isRecord, parsePhpQuery, type Params } from './phpParams.js';
import type { Credentials, SimPortalImpl } from './portal.js';
import { errors, RestError } from './restAnswer.js';
import { faultError, NetworkFault, runMethod, type ExecutorDeps } from './restExecutor.js';

const MAX_BODY = 10 * 1024 * 1024;

export interface RestRoute {
  /** Normalised method name, '' when the path names none. */
  method: string;
  webhook?: { userId: number; code: string };
}

/**
 * `/rest/<method>`, `/rest/<method>.json`, `/rest//<method>` (the SDK's double slash) and webhooks
 * `/rest/<userId>/<code>/<method>[.json]`.
 */
export function parseRestPath(pathname: string): RestRoute | undefined {
  if (!pathname.startsWith('/rest/')) return undefined;
  const segments = pathname
    .slice('/rest/'.length)
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  if (segments.length === 1) return { method: normaliseMethod(segments[0] as string) };
  if (segments.length === 3 && /^\d+$/.test(segments[0] as string)) {
    return { method: normaliseMethod(segments[2] as string), webhook: { userId: Number(segments[0]), code: segments[1] as string } };
  }
  return { method: segments.length === 0 ? '' : normaliseMethod(segments.join('/')) };
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY) throw new RestError(413, 'INVALID_REQUEST', 'Request body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** JSON or form bodies, as the portal accepts both; anything unreadable counts as no parameters. */
export function parseBody(raw: Buffer, contentType: string | undefined): Params {
  const text = raw.toString('utf8');
  if (text.trim() === '') return {};
  const type = (contentType ?? '').toLowerCase();
  if (type.includes('json') || (!type.includes('form') && /^\s*[{[]/.test(text))) {
    try {
      const parsed: unknown = JSON.parse(text);
      return isRecord(parsed) ? parsed : {};
    } catch {
      return {};
    }
  }
  return parsePhpQuery(text);
}

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match ? match[1] : undefined;
}

/**
 * The core's CORS, the same for every origin and every REST answer: CRestUtil::sendHeaders()
 * (rest module, classes/general/rest_util.php). No Allow-Methods: POST and GET need none. A browser
 * asking to send any other header (Authorization, X-Requested-With, …) fails the preflight.
 */
function applyCors(res: ServerResponse): void {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Headers', 'origin, content-type, accept');
  res.setHeader('X-Content-Type-Options', 'nosniff');
}

/** A JSON answer (REST and OAuth server alike). */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(payload));
  res.end(payload);
}

/**
 * One REST request on a portal, in the portal's order: injected fault, rate limit, credentials, scope,
 * method. Every call is logged (batch sub-calls by the executor).
 */
export async function handleRest(req: IncomingMessage, res: ServerResponse, portal: SimPortalImpl): Promise<void> {
  applyCors(res);
  if (req.method === 'OPTIONS') {
    // CRestEventHandlers::OnBeforeProlog (rest module, include.php): the headers above, then die().
    res.statusCode = 200;
    res.end();
    return;
  }
  const url = new URL(req.url ?? '/', 'http://portal.invalid');
  const route = parseRestPath(url.pathname) ?? { method: '' };
  const started = portal.clock.now();
  const entry: RequestLogEntry = { at: started, method: route.method || '(none)', httpStatus: 0 };
  const deps: ExecutorDeps = { portal, faults: portal.faults, log: portal.log, operating: portal.operating };

  try {
    const query = parsePhpQuery(url.search.slice(1));
    const body = parseBody(await readBody(req), req.headers['content-type']);
    const params: Params = { ...query, ...body };

    let credentials: Credentials;
    if (route.webhook) credentials = { kind: 'webhook', ...route.webhook };
    else if (typeof body.auth === 'string' && body.auth) credentials = { kind: 'token', token: body.auth, via: 'body' };
    else if (typeof query.auth === 'string' && query.auth) credentials = { kind: 'token', token: query.auth, via: 'query' };
    else {
      const token = bearer(req);
      credentials = token ? { kind: 'token', token, via: 'header' } : { kind: 'none' };
    }
    entry.authVia = credentials.kind === 'token' ? credentials.via : credentials.kind === 'webhook' ? 'webhook' : 'none';
    delete params.auth;

    if (!route.method) throw errors.methodNotFound();
    const fault = faultError(deps, route.method);
    if (fault) throw fault;
    if (!portal.bucket.tryTake()) throw errors.queryLimit();
    const auth = portal.authenticate(credentials);
    entry.userId = auth.userId;

    const { answer, time } = await runMethod(route.method, params, auth, deps, entry.authVia);
    const payload: Record<string, unknown> = { result: answer.result };
    if (answer.total !== undefined) payload.total = answer.total;
    if (answer.next !== undefined) payload.next = answer.next;
    payload.time = time;
    entry.httpStatus = 200;
    portal.log.record(entry);
    sendJson(res, 200, payload);
  } catch (error) {
    if (error instanceof NetworkFault) {
      entry.error = 'NETWORK_FAULT';
      portal.log.record(entry);
      req.socket.destroy();
      return;
    }
    const restError = error instanceof RestError ? error : new RestError(500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
    if (!(error instanceof RestError)) console.error('[portal simulator] method failed', error);
    entry.httpStatus = restError.httpStatus;
    entry.error = restError.error;
    portal.log.record(entry);
    sendJson(res, restError.httpStatus, restError.toJSON());
  }
}
