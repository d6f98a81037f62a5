import { BATCH_LIMIT, runBatch, type BatchCommand, type CallRest } from '../bitrix/batch.js';
import type { BitrixError } from '../bitrix/restClient.js';

/**
 * Reads several Bitrix24 lists at once in as few `batch` calls as the platform allows.
 *
 * Lists answer 50 rows a page with `total` and `next` (decision 0010, fact 21). A round is one `batch` call of
 * up to 50 pages: first the pages known to exist, then, in the free slots, pages read ahead of an
 * unknown total (a list of 10,000 rows is read in ceil(10,000 / 2,500) = 4 calls, with no call spent
 * on counting). A list can add lists when it completes (the department tree decides which departments'
 * users to read).
 */

export const PAGE_SIZE = 50;

export interface Listing {
  /** The call for the page starting at `start`. */
  command(start: number): BatchCommand;
  /** How many pages beyond the first may be read before the total is known; 0 for methods that are not paged. */
  readAhead: number;
  onRows(rows: unknown[]): void;
  /** A failed page: throw to stop reading (the default), or return to take it as empty. */
  onError?(error: BitrixError): void;
  /** Called once every page is in; returns lists that depend on this one. */
  onComplete?(): Listing[] | void;
}

interface ListingState {
  listing: Listing;
  requested: Set<number>;
  received: Set<number>;
  /** Page count once an answer gave the total. */
  pages?: number;
  /** Page index an answer without `total` named as `next` (or null: that answer was the last page). */
  lastWithoutTotal?: number;
  follow: Set<number>;
  complete: boolean;
}

/** A guard against a portal that keeps answering `next`: 50,000 users are 1,000 pages. */
const MAX_ROUNDS = 2_000;

export interface ReadResult {
  /** `batch` calls made. */
  calls: number;
}

export async function readListings(callRest: CallRest, initial: readonly Listing[]): Promise<ReadResult> {
  const states: ListingState[] = [];
  const add = (listing: Listing) => states.push({ listing, requested: new Set(), received: new Set(), follow: new Set(), complete: false });
  initial.forEach(add);
  let calls = 0;

  function pagesKnownNeeded(state: ListingState): number[] {
    if (state.complete) return [];
    const wanted = new Set<number>(state.follow);
    if (state.pages !== undefined) for (let page = 0; page < state.pages; page += 1) wanted.add(page);
    else if (state.received.size === 0) wanted.add(0);
    return [...wanted].filter((page) => !state.requested.has(page)).sort((a, b) => a - b);
  }

  function readAheadPage(state: ListingState): number | null {
    if (state.complete || state.pages !== undefined || state.lastWithoutTotal !== undefined) return null;
    const furthest = Math.max(-1, ...state.requested);
    return furthest >= state.listing.readAhead ? null : furthest + 1;
  }

  function isComplete(state: ListingState): boolean {
    if (state.follow.size > 0) return false;
    if (state.pages !== undefined) {
      for (let page = 0; page < state.pages; page += 1) if (!state.received.has(page)) return false;
      return state.received.size > 0;
    }
    if (state.lastWithoutTotal !== undefined) {
      for (let page = 0; page <= state.lastWithoutTotal; page += 1) if (!state.received.has(page)) return false;
      return true;
    }
    return false;
  }

  for (let round = 0; states.some((state) => !state.complete); round += 1) {
    if (round >= MAX_ROUNDS) throw new Error('the portal kept listing pages beyond any plausible directory size');
    const slots: Array<{ state: ListingState; page: number }> = [];
    for (const state of states) {
      for (const page of pagesKnownNeeded(state)) {
        if (slots.length >= BATCH_LIMIT) break;
        slots.push({ state, page });
        state.requested.add(page);
      }
    }
    // Free slots read ahead of unknown totals, one list at a time: a page read past a list's end is a
    // slot lost, and filling one list first loses at most what that one list overshoots.
    for (const state of states) {
      for (let page = readAheadPage(state); page !== null && slots.length < BATCH_LIMIT; page = readAheadPage(state)) {
        slots.push({ state, page });
        state.requested.add(page);
      }
    }
    if (slots.length === 0) throw new Error('listing stalled: pages missing but none to request');

    calls += 1;
    const outcomes = await runBatch(
      callRest,
      slots.map(({ state, page }) => state.listing.command(page * PAGE_SIZE)),
    );
    outcomes.forEach((outcome, index) => {
      const { state, page } = slots[index]!;
      state.follow.delete(page);
      state.received.add(page);
      if (!outcome.ok) {
        if (!state.listing.onError) throw outcome.error;
        state.listing.onError(outcome.error);
        state.lastWithoutTotal = Math.max(page, state.lastWithoutTotal ?? 0);
        return;
      }
      state.listing.onRows(Array.isArray(outcome.result) ? outcome.result : []);
      if (outcome.total !== undefined) state.pages = Math.ceil(outcome.total / PAGE_SIZE);
      else if (outcome.next !== undefined) {
        const nextPage = Math.floor(outcome.next / PAGE_SIZE);
        if (nextPage > page && !state.requested.has(nextPage)) state.follow.add(nextPage);
      } else state.lastWithoutTotal = Math.max(page, state.lastWithoutTotal ?? 0);
    });
    for (const state of [...states]) {
      if (state.complete || !isComplete(state)) continue;
      state.complete = true;
      const more = state.listing.onComplete?.();
      if (more) more.forEach(add);
    }
  }
  return { calls };
}
