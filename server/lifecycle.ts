/**
 * What has to end cleanly when the process stops: the scheduler's timer and the sends in flight.
 * Parts of the app register here; `server/main.ts` drains it on SIGTERM before closing the database.
 */
export interface Lifecycle {
  onDrain(drain: () => Promise<void>): void;
  /** Runs every registered drain, together; gives up waiting after `timeoutMs` (and says so). */
  drain(timeoutMs: number): Promise<{ timedOut: boolean }>;
}

export function createLifecycle(): Lifecycle {
  const drains: Array<() => Promise<void>> = [];
  return {
    onDrain(drain) {
      drains.push(drain);
    },
    async drain(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const all = Promise.allSettled(drains.map((drain) => drain())).then(() => 'done' as const);
      const outcome = await Promise.race([all, timeout]).finally(() => clearTimeout(timer));
      return { timedOut: outcome === 'timeout' };
    },
  };
}
