import { z } from 'zod';
import { AnswerTooLargeError, readBoundedJson, type AnswerLimits } from './boundedJson.js';
import { operatingTimeOf, type OperatingTime } from './operatingTime.js';

/**
 * Calls one REST method on a portal. The endpoint always comes from storage (and, before that, from the
 * OAuth server's answer), never from a request. Tokens travel in the JSON body, never in the URL.
 */

export class BitrixError extends Error {
  constructor(
    /** Bitrix24's `error` field (e.g. expired_token, ACCESS_ERROR), or NETWORK_ERROR / BAD_ANSWER / ANSWER_TOO_LARGE for transport problems. */
    readonly code: string,
    readonly description: string,
    readonly httpStatus: number,
    readonly method: string,
    /** When Bitrix24 releases the method's operating-time budget (epoch ms), if the answer said (`time.operating_reset_at`). */
    readonly resetAt: number | null = null,
  ) {
    super(`${method}: ${code}${description ? ` (${description})` : ''}`);
    this.name = 'BitrixError';
  }
}

/** The portal answered with a redirect (it was renamed): nothing ran there. */
export const PORTAL_MOVED = 'PORTAL_MOVED';

/**
 * The answer was larger than any real one (./boundedJson.ts): it was not read to its end. The method
 * ran, so for a push its outcome is unknown.
 */
export const ANSWER_TOO_LARGE = 'ANSWER_TOO_LARGE';

/**
 * The description of a NETWORK_ERROR whose connection was never made (refused, no such host, connect
 * timeout): the request certainly did not reach Bitrix24. Any other NETWORK_ERROR (reset, closed socket,
 * no answer in time) may have been received and run.
 */
export const NOT_CONNECTED = 'ConnectionRefused';
const NEVER_CONNECTED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** Whether a fetch failure happened before any connection was made (fetch nests the cause). */
function neverConnected(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NEVER_CONNECTED_CODES.has(code)) return true;
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.some(neverConnected)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

const errorAnswer = z.object({
  error: z.string().min(1),
  error_description: z.string().optional(),
  // The core answers a block with no `time` (decision 0010, fact 29); a portal that does send one is believed.
  time: z.unknown().optional(),
});
const successAnswer = z.object({ result: z.unknown(), total: z.number().optional(), next: z.number().optional(), time: z.unknown().optional() });

export interface RestAnswer<T> {
  result: T;
  total?: number;
  next?: number;
  /** The method's operating-time budget as the answer's `time` told it (./operatingTime.ts), if it did. */
  time?: OperatingTime;
}

export interface RestCallOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** How large an answer may be (default ./boundedJson.ts's limits). */
  answerLimits?: AnswerLimits;
}

const METHOD_NAME = /^[a-z][a-z0-9_.]*$/i;

export async function callRest<T = unknown>(
  clientEndpoint: string,
  method: string,
  params: Record<string, unknown>,
  accessToken: string,
  options: RestCallOptions = {},
): Promise<RestAnswer<T>> {
  if (!METHOD_NAME.test(method)) throw new Error(`Not a REST method name: ${method}`);
  const url = `${clientEndpoint.replace(/\/+$/, '')}/${method}.json`;
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ ...params, auth: accessToken }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
      // Never followed (the token would go wherever the answer points), but seen: a renamed portal's old
      // address answers 302 without running anything, so the call is certainly safe to make again at
      // the address the OAuth server gives.
      redirect: 'manual',
    });
  } catch (error) {
    throw new BitrixError('NETWORK_ERROR', neverConnected(error) ? NOT_CONNECTED : (error as Error).name, 0, method);
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel();
    throw new BitrixError(PORTAL_MOVED, `HTTP ${response.status}`, response.status, method);
  }
  let payload: unknown;
  try {
    payload = await readBoundedJson(response, options.answerLimits);
  } catch (error) {
    if (error instanceof AnswerTooLargeError) throw new BitrixError(ANSWER_TOO_LARGE, error.message, response.status, method);
    throw error;
  }
  const failure = errorAnswer.safeParse(payload);
  if (failure.success) {
    throw new BitrixError(failure.data.error, failure.data.error_description ?? '', response.status, method, operatingTimeOf(failure.data.time)?.resetAt ?? null);
  }
  const success = successAnswer.safeParse(payload);
  if (!response.ok || !success.success) {
    throw new BitrixError(response.ok ? 'BAD_ANSWER' : 'HTTP_ERROR', `HTTP ${response.status}`, response.status, method);
  }
  const time = operatingTimeOf(success.data.time);
  return { result: success.data.result as T, total: success.data.total, next: success.data.next, ...(time ? { time } : {}) };
}
