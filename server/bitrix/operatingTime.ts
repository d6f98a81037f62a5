/**
 * What Bitrix24 says of a method's operating-time budget (decision 0010, facts 12 and 29): every
 * successful answer's `time` carries `operating` (seconds the method used in the last 10 minutes, for this
 * application) and `operating_reset_at` (when the oldest one-minute basket of it leaves the count). A
 * block (429 OPERATION_TIME_LIMIT) is answered before the method runs and, in the core, without any
 * `time` (`CRestServer::processCall` throws; errors skip `appendDebugInfo`), so the moment to try again
 * is the `operating_reset_at` of the method's last successful answer (limits.md, "How to respond").
 *
 * `OperatingTimes` remembers that moment per portal and method, in this process: a small LRU fed with
 * every successful answer (direct calls and each `batch` command's `result_time`).
 */

export interface OperatingTime {
  /** When the oldest basket of the method's budget is released (epoch ms), if the answer said. */
  resetAt: number | null;
  /** Seconds the method used in the current 10 minutes, if the answer said. */
  operating: number | null;
}

function finiteNumber(value: unknown): number | null {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) ? number : null;
}

/**
 * `operating_reset_at` as epoch ms: Unix seconds (an integer in the core, `(int)` of a float), a numeric
 * string, or an ISO date (one method page of the docs shows one); null when absent or unreadable.
 */
export function resetAtOf(value: unknown): number | null {
  const seconds = finiteNumber(value);
  if (seconds !== null) return seconds > 0 ? seconds * 1000 : null;
  if (typeof value === 'string') {
    const parsed = Date.parse(value);
    return Number.isFinite(parsed) && parsed > 0 ? parsed : null;
  }
  return null;
}

/** The operating fields of an answer's `time` block; undefined when it has neither. */
export function operatingTimeOf(time: unknown): OperatingTime | undefined {
  if (typeof time !== 'object' || time === null) return undefined;
  const fields = time as Record<string, unknown>;
  const resetAt = resetAtOf(fields.operating_reset_at);
  const operating = finiteNumber(fields.operating);
  return resetAt === null && operating === null ? undefined : { resetAt, operating };
}

/** A `batch` command's method: the part of `method?query` before the query (decision 0010, fact 20). */
function commandMethod(command: unknown): string | null {
  if (typeof command !== 'string') return null;
  const method = command.split('?', 1)[0]!.trim();
  return method === '' ? null : method;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

/** How many (portal, method) pairs a process remembers: far more than the methods the app calls on its portals. */
export const DEFAULT_REMEMBERED = 10_000;

export class OperatingTimes {
  private readonly entries = new Map<string, OperatingTime>();

  constructor(private readonly capacity = DEFAULT_REMEMBERED) {}

  private static key(memberId: string, method: string): string {
    // The core lower-cases method names (CRestServer), so `User.Get` and `user.get` share a budget.
    return `${memberId}\n${method.toLowerCase()}`;
  }

  /** Remembers what a successful answer of `method` said (a block's answer says nothing: not remembered). */
  remember(memberId: string, method: string, time: OperatingTime | undefined): void {
    if (!time || time.resetAt === null) return;
    const key = OperatingTimes.key(memberId, method);
    this.entries.delete(key);
    this.entries.set(key, time);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  /**
   * Remembers a successful answer as the REST client returned it: a direct call's `time`, or for `batch`
   * each command's `result_time` entry under the command's own method (the outer `batch` is not metered,
   * limits.md).
   */
  rememberAnswer(memberId: string, method: string, params: Record<string, unknown>, answer: { result?: unknown; time?: OperatingTime }): void {
    if (method.toLowerCase() !== 'batch') {
      this.remember(memberId, method, answer.time);
      return;
    }
    const commands = record(params.cmd);
    const times = record(record(answer.result).result_time);
    for (const [key, command] of Object.entries(commands)) {
      const commandName = commandMethod(command);
      if (commandName !== null) this.remember(memberId, commandName, operatingTimeOf(times[key]));
    }
  }

  /** The remembered reset of the method on the portal (epoch ms), or null when none is known. */
  lastResetAt(memberId: string, method: string): number | null {
    return this.entries.get(OperatingTimes.key(memberId, method))?.resetAt ?? null;
  }

  get size(): number {
    return this.entries.size;
  }
}
