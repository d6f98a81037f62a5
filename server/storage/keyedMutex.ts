/**
 * An in-process mutex per key: `run(key, fn)` runs fn when no other fn holds the same key, in arrival
 * order. Keys without holders or waiters are forgotten, so the map does not grow with the number of
 * portals and users ever seen.
 */

export class LockTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LockTimeoutError';
  }
}

interface Waiter {
  grant: () => void;
}

interface KeyState {
  waiters: Waiter[];
}

export class KeyedMutex {
  readonly #held = new Map<string, KeyState>();

  /** Number of keys currently held (for tests: returns to 0 when idle). */
  get size(): number {
    return this.#held.size;
  }

  /**
   * Runs `fn` holding `key`. With `timeoutMs`, gives up waiting after that long with a LockTimeoutError
   * (the time fn itself runs is not limited).
   */
  async run<T>(key: string, fn: () => Promise<T>, timeoutMs?: number): Promise<T> {
    await this.#acquire(key, timeoutMs);
    try {
      return await fn();
    } finally {
      this.#release(key);
    }
  }

  #acquire(key: string, timeoutMs: number | undefined): Promise<void> {
    const state = this.#held.get(key);
    if (!state) {
      this.#held.set(key, { waiters: [] });
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        grant: () => {
          if (timer) clearTimeout(timer);
          resolve();
        },
      };
      state.waiters.push(waiter);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          const index = state.waiters.indexOf(waiter);
          if (index >= 0) state.waiters.splice(index, 1);
          reject(new LockTimeoutError(`Waited more than ${timeoutMs} ms for a lock`));
        }, timeoutMs);
      }
    });
  }

  #release(key: string): void {
    const state = this.#held.get(key);
    if (!state) return;
    const next = state.waiters.shift();
    if (next) next.grant();
    else this.#held.delete(key);
  }
}
