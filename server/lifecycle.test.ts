import { describe, expect, it } from 'vitest';
import { createLifecycle } from './lifecycle.js';

describe('lifecycle', () => {
  it('runs every drain together and waits for them', async () => {
    const lifecycle = createLifecycle();
    const finished: string[] = [];
    lifecycle.onDrain(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      finished.push('sends');
    });
    lifecycle.onDrain(async () => {
      finished.push('scheduler');
    });
    expect(await lifecycle.drain(1_000)).toEqual({ timedOut: false });
    expect(finished.sort()).toEqual(['scheduler', 'sends']);
  });

  it('gives up waiting after the grace period, and a failing drain does not stop the others', async () => {
    const lifecycle = createLifecycle();
    let other = false;
    lifecycle.onDrain(() => new Promise(() => undefined));
    lifecycle.onDrain(() => Promise.reject(new Error('broken')));
    lifecycle.onDrain(async () => {
      other = true;
    });
    expect(await lifecycle.drain(30)).toEqual({ timedOut: true });
    expect(other).toBe(true);
  });
});
