import type { RequestLogEntry } from './contract.js';

const MAX_ENTRIES = 50_000;

/** Every call with its outcome, and per-method counters that tests can reset. */
export class RequestLog {
  readonly entries: RequestLogEntry[] = [];
  private counts = new Map<string, number>();

  record(entry: RequestLogEntry): void {
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
    this.counts.set(entry.method, (this.counts.get(entry.method) ?? 0) + 1);
  }

  counters(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  resetCounters(): void {
    this.counts = new Map();
  }
}
