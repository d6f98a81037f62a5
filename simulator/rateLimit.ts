import type { Clock } from './contract.js';

export interface RateLimitOptions {
  burst: number;
  drainPerSecond: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { burst: 50, drainPerSecond: 2 };

/**
 * Bitrix24's leaky bucket: each request pours one unit in, the bucket drains at a fixed rate, and a
 * request that would overflow it is refused (503 QUERY_LIMIT_EXCEEDED) without filling it further.
 */
export class LeakyBucket {
  private level = 0;
  private lastDrain: number;

  constructor(
    private readonly clock: Clock,
    private options: RateLimitOptions = DEFAULT_RATE_LIMIT,
  ) {
    this.lastDrain = clock.now();
  }

  /** Takes room for one request; false when the bucket is full. */
  tryTake(): boolean {
    this.drain();
    if (this.level + 1 > this.options.burst) return false;
    this.level += 1;
    return true;
  }

  /** Current fill (after draining), for diagnostics. */
  fill(): number {
    this.drain();
    return this.level;
  }

  reset(options?: RateLimitOptions): void {
    if (options) this.options = options;
    this.level = 0;
    this.lastDrain = this.clock.now();
  }

  private drain(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.lastDrain) / 1000;
    this.level = Math.max(0, this.level - elapsed * this.options.drainPerSecond);
    this.lastDrain = now;
  }
}
