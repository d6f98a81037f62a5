import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { KeyedMutex, LockTimeoutError } from './keyedMutex.js';

describe('KeyedMutex', () => {
  it('runs one holder per key at a time, in arrival order, and forgets idle keys', async () => {
    const mutex = new KeyedMutex();
    const order: string[] = [];
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        mutex.run('k', async () => {
          inside += 1;
          maxInside = Math.max(maxInside, inside);
          order.push(`start ${i}`);
          await sleep(2);
          order.push(`end ${i}`);
          inside -= 1;
        }),
      ),
    );
    expect(maxInside).toBe(1);
    expect(order).toEqual(Array.from({ length: 10 }, (_, i) => [`start ${i}`, `end ${i}`]).flat());
    expect(mutex.size).toBe(0);
  });

  it('does not serialise different keys, and releases on errors', async () => {
    const mutex = new KeyedMutex();
    let inside = 0;
    let maxInside = 0;
    const work = async () => {
      inside += 1;
      maxInside = Math.max(maxInside, inside);
      await sleep(20);
      inside -= 1;
    };
    await Promise.all([mutex.run('a', work), mutex.run('b', work)]);
    expect(maxInside).toBe(2);
    await expect(mutex.run('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await mutex.run('a', async () => 'free')).toBe('free');
    expect(mutex.size).toBe(0);
  });

  it('a waiter times out without disturbing the queue behind it', async () => {
    const mutex = new KeyedMutex();
    let release!: () => void;
    const holder = mutex.run('k', () => new Promise<void>((resolve) => (release = resolve)));
    const impatient = mutex.run('k', async () => 'never', 30);
    const patient = mutex.run('k', async () => 'served');
    await expect(impatient).rejects.toBeInstanceOf(LockTimeoutError);
    release();
    await holder;
    expect(await patient).toBe('served');
    expect(mutex.size).toBe(0);
  });
});
