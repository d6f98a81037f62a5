import { BitrixError, type RestAnswer } from './restClient.js';
import { operatingTimeOf } from './operatingTime.js';

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

/**
 * Inside `batch` the core rewrites every parameter value that holds a reference to an earlier command's
 * answer: `$result[…]`, `$next[…]`, `$total[…]`, `$time[…]`, `$error[…]`, matched case-insensitively up
 * to the next whitespace (`CRestUtil::processBatchElement`, rest module classes/general/rest_util.php;
 * decision 0010, fact 30). It has no escape, and a direct call's JSON body is never rewritten. This finds
 * any `$name…[key]` run, a little wider than the core's five names (any name the batch answer may gain),
 * so a value that answers false here reaches the method exactly as written.
 */
// `[^\s]` as PCRE reads it without the `u` flag: only ASCII whitespace ends a run (a no-break space does not).
const BATCH_REFERENCE_RUN = /\$[a-z_][^ \t\n\v\f\r]*/gi;
const BATCH_REFERENCE_KEY = /\[[^\]]+\]/;

function holdsBatchReference(value: unknown): boolean {
  if (typeof value === 'string') return (value.match(BATCH_REFERENCE_RUN) ?? []).some((run) => BATCH_REFERENCE_KEY.test(run));
  if (Array.isArray(value)) return value.some(holdsBatchReference);
  if (typeof value === 'object' && value !== null) return Object.values(value).some(holdsBatchReference);
  return false;
}

/** Whether Bitrix24 could change some of these parameters if they went as a `batch` command (see above): then send them directly. */
export function alteredInsideBatch(params: Record<string, unknown>): boolean {
  return holdsBatchReference(params);
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
  // Nothing went out: the caller must make such a call directly (it would reach Bitrix24 altered).
  if (commands.some((command) => alteredInsideBatch(command.params))) throw new TypeError('a batch command holds a $result/$next/$total/$time/$error reference the portal would replace');
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
      return {
        ok: false,
        error: new BitrixError(typeof error === 'string' && error ? error : 'ERROR_METHOD', typeof description === 'string' ? description : '', 400, command.method, operatingTimeOf(time)?.resetAt ?? null),
      };
    }
    if (!(key in results)) {
      return { ok: false, error: new BitrixError('BAD_ANSWER', 'batch answer lacks this command', 200, command.method) };
    }
    return { ok: true, result: results[key], total: numberOrUndefined(totals[key]), next: numberOrUndefined(nexts[key]) };
  });
}
