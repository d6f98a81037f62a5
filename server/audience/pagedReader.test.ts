import { describe, expect, it } from 'vitest';
import type { CallRest } from '../bitrix/batch.js';
import { ANSWER_TOO_LARGE, BitrixError } from '../bitrix/restClient.js';
import { MAX_LIST_ROWS, MAX_READ_PAGES, PAGE_SIZE, readListings, type Listing } from './pagedReader.js';
import { resolveAudience } from './resolveAudience.js';

/**
 * What a portal claims about a list's length is bounded before anything is planned from it (issue 18:
 * `result_total: 800000000` kept one preview busy for 12 s and the process at 2.2 GB). A fake portal
 * answers `batch` calls of list pages with whatever it is told to claim.
 */

interface FakeList {
  /** Rows the list really has (each page answers min(50, what is left)). */
  rows: number;
  /** What each answer claims as `result_total` (default: the truth); null: no total, `next` instead. */
  claimedTotal?: number | null;
  /** What each answer claims as `result_next` when it gives no total (default: the next page while rows remain). */
  claimedNext?: (start: number) => number | undefined;
}

interface FakePortal {
  callRest: CallRest;
  calls: number;
  /** Pages asked for, over all calls. */
  pagesAsked: number;
}

const startOf = (command: string) => Number(/(?:\?|&)start=(\d+)/.exec(command)?.[1] ?? 0);

function fakePortal(list: FakeList, options: { tooLargeAbove?: number } = {}): FakePortal {
  const portal: FakePortal = {
    calls: 0,
    pagesAsked: 0,
    callRest: async (method, params) => {
      if (method !== 'batch') throw new Error(`unexpected ${method}`);
      portal.calls += 1;
      const commands = Object.entries((params as { cmd: Record<string, string> }).cmd);
      portal.pagesAsked += commands.length;
      if (options.tooLargeAbove !== undefined && commands.length > options.tooLargeAbove) throw new BitrixError(ANSWER_TOO_LARGE, 'too large', 200, 'batch');
      const result: Record<string, unknown> = {};
      const totals: Record<string, number> = {};
      const nexts: Record<string, number> = {};
      for (const [key, command] of commands) {
        const start = startOf(command);
        const count = Math.max(0, Math.min(PAGE_SIZE, list.rows - start));
        result[key] = Array.from({ length: count }, (_, index) => ({ ID: String(start + index + 1) }));
        if (list.claimedTotal === null) {
          const next = list.claimedNext ? list.claimedNext(start) : start + PAGE_SIZE < list.rows ? start + PAGE_SIZE : undefined;
          if (next !== undefined) nexts[key] = next;
        } else totals[key] = list.claimedTotal ?? list.rows;
      }
      return { result: { result, result_error: {}, result_total: totals, result_next: nexts } };
    },
  };
  return portal;
}

function collecting(rows: number[]): Listing {
  return {
    readAhead: 10_000,
    command: (start) => ({ method: 'user.get', params: { FILTER: { ACTIVE: 'Y' }, start } }),
    onRows: (page) => page.forEach((row) => rows.push(Number((row as { ID: string }).ID))),
  };
}

const failure = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error as BitrixError);

describe('paged reading of what a portal claims', () => {
  it('a list claiming 800,000,000 rows is refused at the first answer: ANSWER_TOO_LARGE, one call, nothing planned for it', async () => {
    const portal = fakePortal({ rows: 2_500, claimedTotal: 800_000_000 });
    const error = await failure(readListings(portal.callRest, [collecting([])]));
    expect(error).toBeInstanceOf(BitrixError);
    expect([error!.code, error!.method]).toEqual([ANSWER_TOO_LARGE, 'user.get']);
    expect(error!.description).toContain('800000000');
    expect(portal.calls).toBe(1);
  });

  it('the same through a preview of everybody, with 10,000,000 claimed: the audience read stops with a clear error', async () => {
    const portal = fakePortal({ rows: 2_500, claimedTotal: 10_000_000 });
    const error = await failure(resolveAudience(portal.callRest, { all: true }));
    expect(error?.code).toBe(ANSWER_TOO_LARGE);
    expect(portal.calls).toBe(1);
  });

  it('a list whose `next` points past any portal’s size is refused too', async () => {
    const portal = fakePortal({ rows: 10_000, claimedTotal: null, claimedNext: () => 5_000_000_000 });
    const error = await failure(readListings(portal.callRest, [{ ...collecting([]), readAhead: 0 }]));
    expect(error?.code).toBe(ANSWER_TOO_LARGE);
    expect(portal.calls).toBe(1);
  });

  it('a `next` that never ends stops at the list bound', async () => {
    // Each page names the one after it, forever (no total): followed one page a call, up to the bound.
    const portal = fakePortal({ rows: 10_000_000, claimedTotal: null, claimedNext: (start) => start + PAGE_SIZE });
    const error = await failure(readListings(portal.callRest, [{ ...collecting([]), readAhead: 0 }]));
    expect(error?.code).toBe(ANSWER_TOO_LARGE);
    expect(portal.pagesAsked).toBeLessThanOrEqual(MAX_LIST_ROWS / PAGE_SIZE);
  });

  it('answers that do not add up (a `next` pointing back) end the read as the portal’s bad answer, not our error', async () => {
    const portal = fakePortal({ rows: 10_000, claimedTotal: null, claimedNext: () => 0 });
    const error = await failure(readListings(portal.callRest, [{ ...collecting([]), readAhead: 0 }]));
    expect(error).toBeInstanceOf(BitrixError);
    expect([error!.code, error!.method]).toEqual(['BAD_ANSWER', 'user.get']);
  });

  it('lists that each claim just under the bound: the read stops at its page budget', async () => {
    const claimed = MAX_LIST_ROWS - 1;
    const portal = fakePortal({ rows: claimed, claimedTotal: claimed });
    const lists = Array.from({ length: 4 }, () => collecting([]));
    const error = await failure(readListings(portal.callRest, lists));
    expect(error?.code).toBe(ANSWER_TOO_LARGE);
    expect(error!.description).toContain(`${MAX_READ_PAGES} pages`);
    expect(portal.pagesAsked).toBeLessThanOrEqual(MAX_READ_PAGES);
  });

  it('a real list of the largest size is read whole, in full batches', async () => {
    const rows: number[] = [];
    const portal = fakePortal({ rows: MAX_LIST_ROWS });
    const { calls } = await readListings(portal.callRest, [collecting(rows)]);
    expect(rows.length).toBe(MAX_LIST_ROWS);
    expect(new Set(rows).size).toBe(MAX_LIST_ROWS);
    expect(calls).toBe(MAX_LIST_ROWS / PAGE_SIZE / 50);
  });

  it('an answer too large to read: the pages are asked for again in halves, later calls ask for fewer, and the list is read whole', async () => {
    const rows: number[] = [];
    const portal = fakePortal({ rows: 3_000 }, { tooLargeAbove: 20 });
    const { calls } = await readListings(portal.callRest, [collecting(rows)]);
    expect(rows.sort((a, b) => a - b)).toEqual(Array.from({ length: 3_000 }, (_, index) => index + 1));
    // 50 (too large) -> 25 (too large) -> 13 + 12; then 60 pages - 50 = 10 more pages in one call of at most 13.
    expect(calls).toBe(portal.calls);
    expect(portal.calls).toBeLessThanOrEqual(8);
  });

  it('a single page too large to read ends the read with ANSWER_TOO_LARGE after a few calls', async () => {
    const portal = fakePortal({ rows: 3_000 }, { tooLargeAbove: 0 });
    const error = await failure(readListings(portal.callRest, [collecting([])]));
    expect(error?.code).toBe(ANSWER_TOO_LARGE);
    // 50 -> 25 -> 13 -> 7 -> 4 -> 2 -> 1.
    expect(portal.calls).toBe(7);
  });
});
