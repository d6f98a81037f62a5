import { describe, expect, it } from 'vitest';
import { alteredInsideBatch, runBatch } from './batch.js';

/**
 * Which parameters the portal would rewrite inside `batch` (CRestUtil::processBatchElement: `$result`,
 * `$next`, `$total`, `$time`, `$error` followed by `[key]` in one whitespace-free run, any case): those
 * must go in a direct call.
 */
describe('batch references', () => {
  it('finds a $name[key] run in any value, any case, at any depth', () => {
    for (const text of ['$result[c0]', 'a $TOTAL[x] b', 'x$time[c0][date_start],y', '$Error[c0][error]', '$next[c1]', 'pay$result_error[c0]', '$time\u00a0[c0][start]', 'see $signature[k]']) {
      expect(alteredInsideBatch({ TEXT: text }), text).toBe(true);
    }
    expect(alteredInsideBatch({ USER_ID: [1, 2], AVATAR: 'https://img.example/$result[c0].png', TEXT: 'Hello' })).toBe(true);
    expect(alteredInsideBatch({ FILTER: { NAME: ['x', '$total[u]'] } })).toBe(true);
  });

  it('leaves alone what the portal leaves alone', () => {
    for (const text of ['Hello', 'costs $5 [each]', '$TOTAL', '$result []', '$result [c0]', '$time\t[c0]', '$result[]', 'price: 5$', '[c0]$']) {
      expect(alteredInsideBatch({ TEXT: text }), text).toBe(false);
    }
    expect(alteredInsideBatch({ USER_ID: [1, 2], AVATAR: 'https://img.example/a.png', TEXT: 'All hands at 10' })).toBe(false);
  });

  it('runBatch refuses such a command before anything goes out', async () => {
    const calls: string[] = [];
    const callRest = async (method: string) => {
      calls.push(method);
      return { result: {} };
    };
    await expect(runBatch(callRest, [{ method: 'pull.application.push.add', params: { USER_ID: [1], TEXT: '$result[c0]' } }])).rejects.toThrow(TypeError);
    expect(calls).toEqual([]);
  });
});
