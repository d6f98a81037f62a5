import { OUTCOME_UNKNOWN } from './sendErrors.js';

/**
 * The fetch used for sending. A push must never be sent twice, yet a network failure is ambiguous:
 * the request may have reached Bitrix24 and been accepted. This wrapper tells the two cases apart:
 *
 * - the connection was never made (refused, no such host, connect timeout): the error is rethrown
 *   with the name `ConnectionRefused`, which callRest keeps as the description of its NETWORK_ERROR;
 *   retrying is safe (the portal gateway itself retries once after a refresh, which follows a renamed
 *   portal);
 * - anything later (reset, closed socket, timeout waiting for the answer) on `pull.application.push.add`:
 *   answered as a synthetic 599 `PUSH_OUTCOME_UNKNOWN`, which no layer retries (the gateway would
 *   otherwise repeat a NETWORK_ERROR), and the pipeline marks the chunk `uncertain`.
 */

export const NOT_CONNECTED = 'ConnectionRefused';
const NEVER_CONNECTED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NEVER_CONNECTED_CODES.has(code)) return code;
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors)) {
      const inner = errors.map(causeCode).find(Boolean);
      if (inner) return inner;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function isPushUrl(url: string): boolean {
  return /\/pull\.application\.push\.add(\.json)?$/i.test(new URL(url).pathname);
}

export function pushSafeFetch(inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    try {
      return await inner(input, init);
    } catch (error) {
      if (causeCode(error)) {
        const refused = new Error('connection not established', { cause: error });
        refused.name = NOT_CONNECTED;
        throw refused;
      }
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (!isPushUrl(url)) throw error;
      return new Response(JSON.stringify({ error: OUTCOME_UNKNOWN, error_description: (error as Error).name }), {
        status: 599,
        headers: { 'Content-Type': 'application/json' },
      });
    }
  };
}
