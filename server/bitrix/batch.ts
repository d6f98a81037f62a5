import { BitrixError, type RestAnswer } from './restClient.js';

/**
 * Bitrix24's `batch`: up to 50 method calls in one REST request (decision 0010, fact 20), each given as
 * `method?query` with PHP-style query parameters. One batch counts as one request against the portal's
 * rate limit, so it is how large directories are read in few calls.
 */

/** Calls one REST method with some authorization already chosen (a user's token, a stored grant). */
export type CallRest = (method: string, params: Record<string, unknown>) => Promise<RestAnswer<unknown>>;

export const BATCH_LIMIT = 50;

export interface BatchCommand {
  method: string;
  params: Record<string, unknown>;
}

export type BatchOutcome =
  | { ok: true; result: unknown; total?: number; next?: number }
  | { ok: false; error: BitrixError };

const METHOD_NAME = /^[a-z][a-z0-9_.]*$/i;

function appendPhpParam(parts: string[], key: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    value.forEach((item, index) => appendPhpParam(parts, `${key}[${index}]`, item));
    return;
  }
  if (typeof value === 'object') {
    for (const [inner, item] of Object.entries(value)) appendPhpParam(parts, `${key}[${inner}]`, item);
    return;
  }
  const text = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
  parts.push(`${encodeURIComponent(key).replace(/%5B/g, '[').replace(/%5D/g, ']')}=${encodeURIComponent(text)}`);
}

/** `params` as PHP's http_build_query writes them (`FILTER[UF_DEPARTMENT][0]=5`): what batch commands carry. */
export function phpQuery(params: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) appendPhpParam(parts, key, value);
  return parts.join('&');
}

export function batchCommandText(command: BatchCommand): string {
  if (!METHOD_NAME.test(command.method)) throw new Error(`Not a REST method name: ${command.method}`);
  const query = phpQuery(command.params);
  return query ? `${command.method}?${query}` : command.method;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function numberOrUndefined(value: unknown): number | undefined {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) ? number : undefined;
}

/**
 * Runs up to 50 commands in one `batch` call (halt=0: one failing command does not stop the others)
 * and returns each command's outcome in order. A failure of the batch call itself (rate limit, expired
 * token, network) is thrown as it is, for the caller's retry policy.
 */
export async function runBatch(callRest: CallRest, commands: readonly BatchCommand[]): Promise<BatchOutcome[]> {
  if (commands.length === 0) return [];
  if (commands.length > BATCH_LIMIT) throw new RangeError(`a batch takes at most ${BATCH_LIMIT} commands`);
  const cmd: Record<string, string> = {};
  commands.forEach((command, index) => {
    cmd[`c${index}`] = batchCommandText(command);
  });
  const answer = await callRest('batch', { halt: 0, cmd });
  const body = record(answer.result);
  const results = record(body.result);
  const errors = record(body.result_error);
  const totals = record(body.result_total);
  const nexts = record(body.result_next);
  return commands.map((command, index): BatchOutcome => {
    const key = `c${index}`;
    const failure = errors[key];
    if (failure !== undefined && failure !== null) {
      const { error, error_description: description, time } = record(failure);
      const resetAt = numberOrUndefined(record(time).operating_reset_at);
      return {
        ok: false,
        error: new BitrixError(typeof error === 'string' && error ? error : 'ERROR_METHOD', typeof description === 'string' ? description : '', 400, command.method, resetAt === undefined ? null : resetAt * 1000),
      };
    }
    if (!(key in results)) {
      return { ok: false, error: new BitrixError('BAD_ANSWER', 'batch answer lacks this command', 200, command.method) };
    }
    return { ok: true, result: results[key], total: numberOrUndefined(totals[key]), next: numberOrUndefined(nexts[key]) };
  });
}
