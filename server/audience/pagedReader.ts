import { BATCH_LIMIT, runBatch, type BatchCommand, type BatchOutcome, type CallRest } from '../bitrix/batch.js';
import { ANSWER_TOO_LARGE, BitrixError } from '../bitrix/restClient.js';

/**
 * Reads several Bitrix24 lists at once in as few `batch` calls as the platform allows.
 *
 * Lists answer 50 rows a page with `total` and `next` (decision 0010, fact 21). A round is one `batch` call of
 * up to 50 pages: first the pages known to exist, then, in the free slots, pages read ahead of an
 * unknown total (a list of 10,000 rows is read in ceil(10,000 / 2,500) = 4 calls, with no call spent
 * on counting). A list can add lists when it completes (the department tree decides which departments'
 * users to read).
 *
 * What a portal claims is bounded before anything is planned from it (issue 18: a `total` of 800,000,000
 * stalled the process): a list may have at most MAX_LIST_ROWS rows, a read may ask for at most
 * MAX_READ_PAGES pages, and nothing is allocated per claimed page, only per page asked for. Past a
 * bound the read stops with ANSWER_TOO_LARGE (502). An answer too large to read makes the next calls
 * ask for fewer pages at once (halving down to one page), so a portal whose rows are unusually large is
 * still read.
 */

export const PAGE_SIZE = 50;

/**
 * The most rows one list may have: twice the 50,000-user directories the app is built and benchmarked
 * for (the simulator's largest; Bitrix24's own plans stop well below). A portal claiming more is not
 * believed: nothing is read for it.
 */
export const MAX_LIST_ROWS = 100_000;
export const MAX_LIST_PAGES = MAX_LIST_ROWS / PAGE_SIZE;
/**
 * The most pages one read asks for (120 full `batch` calls). The largest real read needs three
 * directories' worth: the department tree, the users of the chosen departments and the members of the
 * chosen groups, each at most MAX_LIST_PAGES.
 */
export const MAX_READ_PAGES = 3 * MAX_LIST_PAGES;

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
  /** Pages asked for: at most MAX_READ_PAGES over the whole read. */
  requested: Set<number>;
  received: Set<number>;
  /** The highest page asked for (-1: none yet). */
  furthest: number;
  /** Every page below this one has been asked for: where the search for needed pages starts. */
  scanFrom: number;
  /** Page count once an answer gave the total. */
  pages?: number;
  /** Page index an answer without `total` named as `next` (or null: that answer was the last page). */
  lastWithoutTotal?: number;
  follow: Set<number>;
  complete: boolean;
}

export interface ReadResult {
  /** `batch` calls made. */
  calls: number;
}

function tooLarge(method: string, what: string): BitrixError {
  return new BitrixError(ANSWER_TOO_LARGE, what, 200, method);
}

export async function readListings(callRest: CallRest, initial: readonly Listing[]): Promise<ReadResult> {
  const states: ListingState[] = [];
  const add = (listing: Listing) =>
    states.push({ listing, requested: new Set(), received: new Set(), furthest: -1, scanFrom: 0, follow: new Set(), complete: false });
  initial.forEach(add);
  let calls = 0;
  let pagesRequested = 0;
  /** Pages per call: halved after an answer too large to read. */
  let pagesPerCall = BATCH_LIMIT;

  const methodOf = (state: ListingState) => state.listing.command(0).method;

  /** Up to `room` pages this list certainly needs and has not asked for: pages named by `next`, then those below its total. */
  function pagesKnownNeeded(state: ListingState, room: number): number[] {
    if (state.complete || room <= 0) return [];
    const wanted = [...state.follow].filter((page) => !state.requested.has(page)).slice(0, room);
    if (state.pages !== undefined) {
      while (state.scanFrom < state.pages && state.requested.has(state.scanFrom)) state.scanFrom += 1;
      for (let page = state.scanFrom; page < state.pages && wanted.length < room; page += 1) {
        if (!state.requested.has(page) && !wanted.includes(page)) wanted.push(page);
      }
    } else if (state.received.size === 0 && !state.requested.has(0) && !wanted.includes(0)) wanted.push(0);
    return wanted.sort((a, b) => a - b);
  }

  function readAheadPage(state: ListingState): number | null {
    if (state.complete || state.pages !== undefined || state.lastWithoutTotal !== undefined) return null;
    return state.furthest >= state.listing.readAhead ? null : state.furthest + 1;
  }

  /** Whether every page below `end` is in (counted over the pages received: never per claimed page). */
  function receivedAllBelow(state: ListingState, end: number): boolean {
    let count = 0;
    for (const page of state.received) if (page < end) count += 1;
    return count === end;
  }

  function isComplete(state: ListingState): boolean {
    if (state.follow.size > 0) return false;
    if (state.pages !== undefined) return receivedAllBelow(state, state.pages) && state.received.size > 0;
    if (state.lastWithoutTotal !== undefined) return receivedAllBelow(state, state.lastWithoutTotal + 1);
    return false;
  }

  function ask(slots: Array<{ state: ListingState; page: number }>, state: ListingState, page: number): void {
    if (pagesRequested >= MAX_READ_PAGES) throw tooLarge(methodOf(state), `the lists need more than ${MAX_READ_PAGES} pages`);
    pagesRequested += 1;
    slots.push({ state, page });
    state.requested.add(page);
    state.furthest = Math.max(state.furthest, page);
  }

  /** One `batch` call for these pages; an answer too large to read is asked for again in halves. */
  async function fetchPages(slots: ReadonlyArray<{ state: ListingState; page: number }>): Promise<BatchOutcome[]> {
    calls += 1;
    try {
      return await runBatch(
        callRest,
        slots.map(({ state, page }) => state.listing.command(page * PAGE_SIZE)),
      );
    } catch (error) {
      if (!(error instanceof BitrixError && error.code === ANSWER_TOO_LARGE) || slots.length === 1) throw error;
      const half = Math.ceil(slots.length / 2);
      pagesPerCall = Math.min(pagesPerCall, half);
      return [...(await fetchPages(slots.slice(0, half))), ...(await fetchPages(slots.slice(half)))];
    }
  }

  /** What an answer says of the list's length, checked against what a portal can hold. */
  function learnLength(state: ListingState, page: number, outcome: { total?: number; next?: number }): void {
    if (outcome.total !== undefined) {
      if (outcome.total > MAX_LIST_ROWS) throw tooLarge(methodOf(state), `the list claims ${outcome.total} rows, more than ${MAX_LIST_ROWS}`);
      state.pages = Math.max(0, Math.ceil(outcome.total / PAGE_SIZE));
    } else if (outcome.next !== undefined) {
      const nextPage = Math.floor(outcome.next / PAGE_SIZE);
      if (nextPage >= MAX_LIST_PAGES) throw tooLarge(methodOf(state), `the list goes on beyond ${MAX_LIST_ROWS} rows`);
      if (nextPage > page && !state.requested.has(nextPage)) state.follow.add(nextPage);
    } else state.lastWithoutTotal = Math.max(page, state.lastWithoutTotal ?? 0);
  }

  while (states.some((state) => !state.complete)) {
    const slots: Array<{ state: ListingState; page: number }> = [];
    for (const state of states) {
      for (const page of pagesKnownNeeded(state, pagesPerCall - slots.length)) ask(slots, state, page);
    }
    // Free slots read ahead of unknown totals, one list at a time: a page read past a list's end is a
    // slot lost, and filling one list first loses at most what that one list overshoots.
    for (const state of states) {
      for (let page = readAheadPage(state); page !== null && slots.length < pagesPerCall; page = readAheadPage(state)) ask(slots, state, page);
    }
    // Answers that do not add up (a `next` pointing back, say): a portal's fault, not ours (502, not 500).
    if (slots.length === 0) throw new BitrixError('BAD_ANSWER', 'the list’s pages do not add up: pages missing but none to ask for', 200, methodOf(states.find((state) => !state.complete)!));

    const outcomes = await fetchPages(slots);
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
      learnLength(state, page, outcome);
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
