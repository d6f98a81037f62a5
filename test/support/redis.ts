import { Redis } from 'ioredis';
import { describe } from 'vitest';

/**
 * Test support: the Redis the shared-limit tests use, at `TEST_REDIS_URL` (default
 * redis://127.0.0.1:6379). Probed once per test file when it is collected; unreachable, the Redis
 * suites are skipped after a loud warning naming them (CI does not start Redis: see decision 0014).
 */

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL?.trim() || 'redis://127.0.0.1:6379';

async function probeRedis(url: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  const client = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 2_000, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message || error.name : String(error) };
  } finally {
    client.disconnect();
  }
}

export const redisProbe = await probeRedis(TEST_REDIS_URL);

/** `describe` when Redis answers, else a loudly announced `describe.skip`. */
export function describeWithRedis(name: string, body: () => void): void {
  if (redisProbe.ok) {
    describe(name, body);
    return;
  }
  const line = '!'.repeat(100);
  console.warn([line, `!!! Redis at ${TEST_REDIS_URL} is unreachable: SKIPPING "${name}"`, `!!! reason: ${redisProbe.reason}`, line].join('\n'));
  describe.skip(name, body);
}
