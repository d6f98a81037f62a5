import type { FaultSpec } from './contract.js';

interface PendingFault extends FaultSpec {
  remaining: number;
}

/** Injected failures: the next `count` calls of a method (or of any method) fail as told. */
export class FaultQueue {
  private pending: PendingFault[] = [];

  inject(fault: FaultSpec): void {
    if (!(fault.count > 0)) return;
    this.pending.push({ ...fault, method: fault.method ? normaliseMethod(fault.method) : undefined, remaining: fault.count });
  }

  clear(): void {
    this.pending = [];
  }

  /** The fault that applies to this call, if any, counting it as used. */
  take(method: string): FaultSpec | undefined {
    const index = this.pending.findIndex((f) => f.method === undefined || f.method === method);
    const fault = this.pending[index];
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.pending.splice(index, 1);
    return fault;
  }

  list(): readonly FaultSpec[] {
    return this.pending.map(({ remaining, ...fault }) => ({ ...fault, count: remaining }));
  }
}

/** Bitrix24 method names are case-insensitive and may carry a `.json` suffix. */
export function normaliseMethod(method: string): string {
  return method.trim().toLowerCase().replace(/\.json$/, '');
}
