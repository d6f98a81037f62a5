import type { DelaySpec, FaultSpec } from './contract.js';

interface PendingFault extends FaultSpec {
  remaining: number;
}

interface PendingDelay extends DelaySpec {
  remaining: number;
}

/** Injected failures: the next `count` calls of a method (or of any method) fail as told, or answer late. */
export class FaultQueue {
  private pending: PendingFault[] = [];
  private delays: PendingDelay[] = [];

  inject(fault: FaultSpec): void {
    if (!(fault.count > 0)) return;
    this.pending.push({ ...fault, method: fault.method ? normaliseMethod(fault.method) : undefined, remaining: fault.count });
  }

  delay(delay: DelaySpec): void {
    if (!(delay.count > 0) || !(delay.delayMs > 0)) return;
    this.delays.push({ ...delay, method: delay.method ? normaliseMethod(delay.method) : undefined, remaining: delay.count });
  }

  clear(): void {
    this.pending = [];
    this.delays = [];
  }

  /** How long this call waits before it runs (0: not delayed), counting the delay as used. */
  takeDelay(method: string): number {
    const index = this.delays.findIndex((d) => d.method === undefined || d.method === method);
    const delay = this.delays[index];
    if (!delay) return 0;
    delay.remaining -= 1;
    if (delay.remaining <= 0) this.delays.splice(index, 1);
    return delay.delayMs;
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
