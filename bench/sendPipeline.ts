import { randomUUID } from 'node:crypto';
import { callApi, frameHeaders, installApp, portalTimeOf, resetPortalBucket, startBenchStack, takeServed, usersForRecipients, NO_API_LIMITS, type BenchContext, type Section, type TargetCheck } from './harness.js';
import { fmtCounts, fmtMedian, repeat, summarize } from './stats.js';
import { fixtureClientPages } from '../test/support/fixturePages.js';
import { isRecipient } from '../test/support/directory.js';
import type { RequestLogEntry } from '../simulator/contract.js';

/**
 * 2. Send pipeline: one send to 10,000 recipients (`{all: true}` on a portal with exactly 10,000 active
 * employees), from the API call until every push is accepted (in `batch` calls, decision 0005) and the send is
 * final, with the portal's default rate limit (burst 50, 2/s). Counts pushes per person (target: no
 * duplicates) and separates the time the portal took from the time the backend added.
 */

const RECIPIENTS = 10_000;
const PUSH_METHOD = 'pull.application.push.add';

/**
 * REST calls that carried pushes: direct push calls, and `batch` calls whose commands were pushes (the
 * simulator logs a batch's commands just before the batch itself).
 */
function pushCallsIn(log: readonly RequestLogEntry[]): number {
  let calls = 0;
  let commandsWerePushes = false;
  for (const entry of log) {
    if (entry.viaBatch) {
      commandsWerePushes ||= entry.method === PUSH_METHOD;
      continue;
    }
    if (entry.method === PUSH_METHOD || (entry.method === 'batch' && commandsWerePushes)) calls += 1;
    commandsWerePushes = false;
  }
  return calls;
}
const FINAL = new Set(['sent', 'partly_failed', 'failed', 'cancelled']);

export async function sendPipeline(context: BenchContext): Promise<Section[]> {
  const { users } = usersForRecipients(RECIPIENTS, 1);
  const stack = await startBenchStack({ pages: fixtureClientPages(), portals: [{ label: 'send', users, seed: 1 }], apiRateLimits: NO_API_LIMITS });
  try {
    const portal = stack.sim.portal('send');
    const [admin] = await installApp(portal);
    const expected = portal.directory.users.filter((user) => isRecipient(user) && user.pushEnabled).length;
    const recipients = portal.directory.users.filter(isRecipient).length;
    context.log(`send pipeline: ${recipients.toLocaleString('en-US')} recipients, ${context.runs} runs`);

    const results = await repeat(
      context.runs,
      async () => {
        resetPortalBucket(portal);
        const logFrom = portal.requestLog.length;
        const text = `Bench ${randomUUID()}`;
        const headers = frameHeaders(portal, admin!);
        const started = performance.now();
        const answer = await callApi(stack.appUrl, '/sends', headers, { idempotencyKey: randomUUID(), text, audience: { all: true } });
        let send = answer.body.send as { id: string; status: string; acceptedCount: number } | undefined;
        if (!send) throw new Error(`send refused: ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
        while (!FINAL.has(send.status)) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          send = (await callApi(stack.appUrl, `/sends/${send.id}`, headers)).body.send as typeof send;
        }
        const totalMs = performance.now() - started;
        const served = takeServed(answer.benchId);
        const calls = served?.calls ?? [];
        // The pushes go last (after the audience is read): the send's last portal call carried the last ones.
        const lastPushMs = Math.max(...calls.map((call) => call.end)) - started;
        const portalMs = portalTimeOf(calls);
        const pushes = portal.pushes.filter((push) => push.text === text);
        const duplicates = pushes.length - new Set(pushes.map((push) => push.userId)).size;
        return { status: send.status, accepted: send.acceptedCount, lastPushMs, totalMs, portalMs, backendMs: lastPushMs - portalMs, restCalls: calls.length, pushCalls: pushCallsIn(portal.requestLog.slice(logFrom)), pushes: pushes.length, duplicates };
      },
      1,
    );

    const rows = [
      [
        RECIPIENTS.toLocaleString('en-US'),
        fmtCounts(results.map((r) => r.restCalls)),
        fmtCounts(results.map((r) => r.pushCalls)),
        fmtMedian(summarize(results.map((r) => r.lastPushMs))),
        fmtMedian(summarize(results.map((r) => r.portalMs))),
        fmtMedian(summarize(results.map((r) => r.backendMs))),
        fmtCounts(results.map((r) => r.pushes)),
        fmtCounts(results.map((r) => r.duplicates)),
      ],
    ];
    const targets: TargetCheck[] = [
      { what: 'duplicate pushes', target: '0', actual: fmtCounts(results.map((r) => r.duplicates)), met: results.every((r) => r.duplicates === 0) },
      { what: 'every recipient accepted', target: `${recipients.toLocaleString('en-US')} accepted`, actual: fmtCounts(results.map((r) => r.accepted)), met: results.every((r) => r.accepted === recipients && r.status === 'sent') },
      { what: 'pushes on the phone page', target: `${expected.toLocaleString('en-US')} (people with pushes on)`, actual: fmtCounts(results.map((r) => r.pushes)), met: results.every((r) => r.pushes === expected) },
    ];
    return [
      {
        id: 'send',
        title: '2. Send pipeline (10,000 recipients, default rate limit)',
        columns: ['recipients', 'REST calls', 'push calls', 'API call to last push accepted', 'portal time', 'backend beyond the portal', 'pushes received', 'duplicates'],
        rows,
        targets,
        notes: [
          `Median of ${context.runs} runs (min–max) after one warm-up; each run starts from a rested portal bucket (burst 50, 2/s: the ~15 calls of a 10,000-person send never wait for it).`,
          'REST calls: token check, 4 `batch` calls resolving everybody, and the pushes: 11 chunks of 990 ids in one `batch` call (decision 0005, "Pushes in batch"; 10 direct calls of 1,000 before). "push calls" counts the calls that carried pushes. "portal time" is the union of the round trips the send waited on; "backend beyond the portal" is the time to the last accepted push minus it (validation, storage of the send and its chunks, claiming each chunk, parsing 2,500-row pages).',
          'The simulator records a push only for people whose phone has pushes on, so "pushes received" is fewer than the recipients; "accepted" is what Bitrix24 answered for.',
        ],
      },
    ];
  } finally {
    await stack.close();
  }
}
