import { fixtureClientPages } from '../e2e/support/fixturePages.js';
import { firstAdmin, isRecipient } from '../e2e/support/directory.js';
import { callApi, frameHeaders, installApp, NO_API_LIMITS, NO_LIMIT, portalTimeOf, startBenchStack, takeServed, type BenchContext, type Section, type TargetCheck } from './harness.js';
import { fmtInt, fmtNumber, summarize } from './stats.js';

/**
 * 6. Recipient search on a 50,000-user portal. Measured now: the API time of
 * GET /api/recipients/search?q= (what the picker waits for after its debounce), p50/p99 over varied
 * queries, with the portal's own time (one `user.search` call) split out.
 *
 * NOT YET MEASURED (placeholder): keystroke-to-results in the UI. The picker exists
 * (client/src/features/recipients/EmployeeSearch.tsx, combobox "Search employees"); the measurement to
 * add is Playwright typing into it in the portal page and timing from the `input` event to an option
 * with the wanted name in the listbox. It would add the client's debounce (SEARCH_DEBOUNCE_MS) and
 * rendering to the API time below.
 */

const QUERIES = 200;
const SEED = 3;

export async function recipientSearch(context: BenchContext): Promise<Section[]> {
  const stack = await startBenchStack({
    pages: fixtureClientPages(),
    portals: [{ label: 'big', users: 50_000, seed: SEED, rateLimit: NO_LIMIT }],
    apiRateLimits: NO_API_LIMITS,
    sends: { rateLimit: NO_LIMIT },
  });
  try {
    const portal = stack.sim.portal('big');
    await installApp(portal);
    const headers = frameHeaders(portal, firstAdmin(portal).id);
    // Varied queries: last names, first + last names, positions, prefixes of last names (as typed).
    const people = portal.directory.users.filter(isRecipient);
    const queries: string[] = [];
    for (let i = 0; queries.length < QUERIES; i += 1) {
      const user = people[(i * 7919) % people.length]!;
      const kind = i % 4;
      queries.push(kind === 0 ? user.lastName : kind === 1 ? `${user.name} ${user.lastName}` : kind === 2 ? user.position || user.lastName : user.lastName.slice(0, 3));
    }
    await callApi(stack.appUrl, '/recipients/search?q=warm', headers); // token check and JIT warm-up
    context.log(`${QUERIES} searches on ${fmtInt(portal.directory.users.length)} users`);
    const total: number[] = [];
    const portalMs: number[] = [];
    const backend: number[] = [];
    const hits: number[] = [];
    for (const q of queries) {
      const answer = await callApi(stack.appUrl, `/recipients/search?q=${encodeURIComponent(q)}`, headers);
      if (answer.status !== 200) throw new Error(`search ${q}: ${answer.status} ${JSON.stringify(answer.body)}`);
      const served = takeServed(answer.benchId);
      const waited = served ? portalTimeOf(served.calls) : 0;
      total.push(answer.ms);
      portalMs.push(waited);
      backend.push(answer.ms - waited);
      hits.push((answer.body.users as unknown[]).length);
    }
    const t = summarize(total);
    const p = summarize(portalMs);
    const b = summarize(backend);
    const targets: TargetCheck[] = [{ what: 'keystroke to results shown (UI)', target: 'p50/p99 reported', actual: 'not measured yet (placeholder)', met: null }];
    return [
      {
        id: 'search',
        title: '6. Recipient search (50,000-user portal)',
        columns: ['what', 'p50', 'p99', 'min', 'max'],
        rows: [
          ['API: request to answer', fmtNumber(t.p50, 'ms'), fmtNumber(t.p99, 'ms'), fmtNumber(t.min, 'ms'), fmtNumber(t.max, 'ms')],
          ['  of which the portal (user.search)', fmtNumber(p.p50, 'ms'), fmtNumber(p.p99, 'ms'), fmtNumber(p.min, 'ms'), fmtNumber(p.max, 'ms')],
          ['  backend overhead', fmtNumber(b.p50, 'ms'), fmtNumber(b.p99, 'ms'), fmtNumber(b.min, 'ms'), fmtNumber(b.max, 'ms')],
          ['UI: keystroke to results shown', 'not measured yet', '', '', ''],
        ],
        targets,
        notes: [
          `${QUERIES} sequential queries (last names, full names, positions, 3-letter prefixes; ${fmtInt(summarize(hits).median)} results each at the median, the answer is capped by the portal's page of 50) after one warm-up, one admin, token check cached. Percentiles are over the ${QUERIES} queries (nearest rank). "of which the portal" is the \`user.search\` round trip the app waited on; the simulator scans all 50,000 users per search, a real portal uses its search index.`,
          'PLACEHOLDER: the UI keystroke measurement (Playwright, "Search employees" combobox) is not written yet; see bench/README.md.',
        ],
      },
    ];
  } finally {
    await stack.close();
  }
}
