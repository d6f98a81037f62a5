/**
 * Reads a JSON answer from a portal or the OAuth server without letting the answer decide how much
 * memory and event-loop time it costs (issue 18). The body is streamed and counted as it arrives; past
 * a limit the rest is never read (the stream is cancelled, which drops the connection) and the caller
 * gets AnswerTooLargeError. What is allowed is parsed with JSON.parse, synchronously, so the limits are
 * what bound how long one answer can hold the event loop.
 *
 * Two limits, because JSON.parse's cost is not proportional to bytes alone: 4 MB of `[{},{},…]`
 * (1.3 million objects) takes 170–360 ms on the development machine, while a real `batch` of 50
 * `user.get` pages (2,500 employees with the `user_brief` fields, 2.2–2.9 MB) takes 5–14 ms.
 * - bytes: 4 MiB, about 1.5 times that real batch, the largest answer the app asks for;
 * - values: 250,000, about 2.8 times that batch's 90,000. Counted as the bytes `{`, `[` and `,`, plus
 *   one: every JSON value but the first in its container follows a comma, and each container is one
 *   `{` or `[`, so the count is never below the values, whatever the structure, and at most about
 *   twice them (the same bytes inside strings only make it higher).
 *   Within both, the shapes measured parse in 3–12 ms (`{}`, `[{}]`, numbers, strings); distinct keys
 *   are the costly exception (250,000 keys of 10 characters: about 200 ms), still a bounded pause.
 */

export const DEFAULT_MAX_ANSWER_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MAX_ANSWER_VALUES = 250_000;

export interface AnswerLimits {
  /** Bytes of body at most (default DEFAULT_MAX_ANSWER_BYTES). */
  maxBytes?: number;
  /** JSON values at most, counted as `{`, `[` and `,` bytes plus one (default DEFAULT_MAX_ANSWER_VALUES). */
  maxValues?: number;
}

export class AnswerTooLargeError extends Error {
  constructor(
    readonly limit: 'bytes' | 'values',
    readonly max: number,
  ) {
    super(`the answer has more than ${max} ${limit === 'bytes' ? 'bytes' : 'JSON values (counted as {, [ and ,)'}`);
    this.name = 'AnswerTooLargeError';
  }
}

const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const COMMA = 0x2c;

function countValueMarks(chunk: Uint8Array): number {
  let marks = 0;
  for (let index = 0; index < chunk.length; index += 1) {
    const byte = chunk[index];
    if (byte === COMMA || byte === OPEN_OBJECT || byte === OPEN_ARRAY) marks += 1;
  }
  return marks;
}

/**
 * The answer's body as JSON; null when it is not JSON or could not be read to its end (what
 * `response.json().catch(() => null)` gave). AnswerTooLargeError past a limit, before reading the rest.
 */
export async function readBoundedJson(response: Response, limits: AnswerLimits = {}): Promise<unknown> {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_ANSWER_BYTES;
  const maxValues = limits.maxValues ?? DEFAULT_MAX_ANSWER_VALUES;
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new AnswerTooLargeError('bytes', maxBytes);
  }
  if (!response.body) return null;

  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  /** Never fewer than the values read so far (see above). */
  let values = 1;
  let exceeded: AnswerTooLargeError | null = null;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      if (bytes > maxBytes) exceeded = new AnswerTooLargeError('bytes', maxBytes);
      else if ((values += countValueMarks(value)) > maxValues) exceeded = new AnswerTooLargeError('values', maxValues);
      if (exceeded) break;
      chunks.push(value);
    }
  } catch {
    // The connection failed mid-answer (or the call's timeout fired): not an answer we can read.
    return null;
  }
  if (exceeded) {
    // Cancelling the body drops the connection: the rest is never received.
    await reader.cancel().catch(() => undefined);
    throw exceeded;
  }
  try {
    return JSON.parse(new TextDecoder().decode(Buffer.concat(chunks, bytes))) as unknown;
  } catch {
    return null;
  }
}
