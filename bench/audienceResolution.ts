import { ParamsFactory } from '@bitrix24/b24jssdk';
import { startSimulator, type SimPortal, type SimulatorImpl } from '../simulator/index.js';
import { sdkClientFor } from '../simulator/sdkClient.js';
import { isRecipient, subtree } from '../test/support/directory.js';
import { TEST_CLIENT_ID, TEST_CLIENT_SECRET } from '../scripts/stack.js';
import { REQUIRED_SCOPES } from '../server/bitrix/scopes.js';
import { callRest } from '../server/bitrix/restClient.js';
import type { CallRest } from '../server/bitrix/batch.js';
import { resolveAudience } from '../server/audience/resolveAudience.js';
import { createDepartmentTreeCache } from '../server/audience/departmentTreeCache.js';
import { EMPLOYEE_FILTER } from '../server/audience/employeeRows.js';
import { NO_LIMIT, portalTimeOf, resetPortalBucket, usersForRecipients, withScope, wrapFetchForPortalTime, type BenchContext, type Section, type TargetCheck } from './harness.js';
import { fmtCounts, fmtInt, fmtMedian, fmtNumber, repeat, summarize } from './stats.js';

/**
 * 1. Audience resolution: the REST calls and wall time `resolveAudience` needs for 100 … 50,000
 * recipients, next to the platform minimum (ceil(N / 2,500) `batch` calls) and to a naive baseline:
 * the SDK's plain list helper (`callListMethod`, one `user.get` page of 50 per REST call).
 *
 * Two audience shapes: everybody (`{all: true}`) on a portal whose active employees number N, and
 * one department with its sub-departments on a 50,000-user portal (department tree cache warm, as
 * for a send after its preview; a cold cache costs one more call for the tree).
 */

/** 50,000 only with BENCH_FULL=1: the simulator needs ~3.5 s per batch of 50 user.get pages at that size (70 s a run). */
const SIZES = process.env.BENCH_FULL === '1' ? [100, 2_500, 10_000, 50_000] : [100, 2_500, 10_000];
const SEED = 1;
const RATE = { burst: 50, drainPerSecond: 2 };
const PER_BATCH = 2_500;

/** The time a portal's leaky bucket (burst 50, 2/s) makes `calls` sequential calls wait, from an empty bucket. */
export function rateLimitWaitMs(calls: number, limit = RATE): number {
  return (Math.max(0, calls - limit.burst) / limit.drainPerSecond) * 1000;
}

interface Case {
  shape: 'everybody' | 'department tree';
  portal: SimPortal;
  audience: unknown;
  /** The naive baseline's user.get filter. */
  naiveFilter: Record<string, unknown>;
  recipients: number;
  nominal: number;
}

/** The department whose subtree holds the number of active employees nearest to `wanted`. */
function departmentNear(portal: SimPortal, wanted: number): { id: number; recipients: number } {
  let best = { id: 1, recipients: Number.POSITIVE_INFINITY };
  for (const department of portal.directory.departments) {
    const inside = subtree(portal, department.id);
    const count = portal.directory.users.filter((user) => isRecipient(user) && user.departments.some((d) => inside.has(d))).length;
    if (Math.abs(count - wanted) < Math.abs(best.recipients - wanted)) best = { id: department.id, recipients: count };
  }
  return best;
}

/** Silences the SDK's deprecation warning for callListMethod (printed on every call) while `fn` runs. */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const { warn, log, info } = console;
  console.warn = console.log = console.info = () => undefined;
  try {
    return await fn();
  } finally {
    Object.assign(console, { warn, log, info });
  }
}

export async function audienceResolution(context: BenchContext): Promise<Section[]> {
  wrapFetchForPortalTime();
  const everybodySizes = SIZES.map((nominal) => ({ nominal, ...usersForRecipients(nominal, SEED) }));
  const sim: SimulatorImpl = await startSimulator({
    app: { clientId: TEST_CLIENT_ID, clientSecret: TEST_CLIENT_SECRET, name: 'Team Push', url: 'http://127.0.0.1:9', scopes: [...REQUIRED_SCOPES] },
    portals: everybodySizes.map(({ nominal, users }) => ({ label: `all-${nominal}`, users, seed: SEED, preinstalled: true })),
  });
  try {
    const big = sim.portal(`all-${SIZES.at(-1)}`);
    const bigLabel = fmtInt(big.directory.users.length);
    const cases: Case[] = [];
    for (const { nominal, recipients } of everybodySizes) {
      cases.push({ shape: 'everybody', portal: sim.portal(`all-${nominal}`), audience: { all: true }, naiveFilter: {}, recipients, nominal });
    }
    for (const nominal of SIZES) {
      const department = nominal >= 50_000 ? { id: 1, recipients: big.directory.users.filter(isRecipient).length } : departmentNear(big, nominal);
      const ids = [...subtree(big, department.id)];
      cases.push({
        shape: 'department tree',
        portal: big,
        audience: { departments: [{ id: department.id, withSubdepartments: true }] },
        naiveFilter: department.id === 1 ? {} : { UF_DEPARTMENT: ids },
        recipients: department.recipients,
        nominal,
      });
    }

    const rows: string[][] = [];
    const targets: TargetCheck[] = [];
    for (const item of cases) {
      const { portal } = item;
      const admin = portal.directory.users.find((user) => user.admin && user.active)!;
      const token = portal.issueTokens(admin.id).access_token;
      const rest: CallRest = (method, params) => callRest(portal.clientEndpoint, method, params, token);
      const treeCache = createDepartmentTreeCache();
      // Cold: the tree is read too (measured once, for its call count).
      resetPortalBucket(portal);
      const cold = await resolveAudience(rest, item.audience, { memberId: portal.memberId, treeCache });
      if (cold.userIds.length !== item.recipients) throw new Error(`${item.shape} ${item.nominal}: resolved ${cold.userIds.length}, expected ${item.recipients}`);

      context.log(`audience: ${item.shape} ${fmtInt(item.recipients)} recipients, ${context.runs} runs`);
      const ours = await repeat(
        context.runs,
        async () => {
          resetPortalBucket(portal); // each run starts from a rested portal, default limits
          portal.resetCounters();
          const started = performance.now();
          const { result, calls } = await withScope(() => resolveAudience(rest, item.audience, { memberId: portal.memberId, treeCache }));
          const wall = performance.now() - started;
          const counted = portal.counters().batch ?? 0;
          if (counted !== result.restCalls) throw new Error(`resolveAudience reported ${result.restCalls} calls, the portal counted ${counted}`);
          if (result.userIds.length !== item.recipients) throw new Error('resolution changed between runs');
          return { wall, portalMs: portalTimeOf(calls), restCalls: counted };
        },
        1,
      );

      // Naive baseline: the SDK's plain list helper, limits lifted (see the notes for the modelled time under the default limit).
      const naiveRuns = item.recipients > 20_000 ? Math.min(3, context.runs) : context.runs;
      context.log(`audience: naive baseline for ${fmtInt(item.recipients)} (${naiveRuns} runs)`);
      const b24 = sdkClientFor(portal, admin.id, { clientId: TEST_CLIENT_ID, clientSecret: TEST_CLIENT_SECRET });
      await b24.setRestrictionManagerParams({ ...ParamsFactory.getDefault(), rateLimit: { burstLimit: 1_000_000, drainRate: 1_000_000, adaptiveEnabled: false } });
      const naive = await repeat(naiveRuns, async () => {
        resetPortalBucket(portal, NO_LIMIT);
        portal.resetCounters();
        const started = performance.now();
        const result = await quietly(() => b24.callListMethod('user.get', { FILTER: { ...EMPLOYEE_FILTER, ...item.naiveFilter }, ADMIN_MODE: true, sort: 'ID', order: 'ASC' }));
        const wall = performance.now() - started;
        if (!result.isSuccess) throw new Error(`naive baseline failed: ${result.getErrorMessages().join('; ')}`);
        const rows = result.getData() as unknown[];
        if (rows.length !== item.recipients) throw new Error(`naive baseline read ${rows.length} rows, expected ${item.recipients}`);
        return { wall, calls: portal.counters()['user.get'] ?? 0 };
      });
      resetPortalBucket(portal, RATE);

      const minimum = Math.ceil(item.recipients / PER_BATCH);
      const wall = summarize(ours.map((r) => r.wall));
      const portalMs = summarize(ours.map((r) => r.portalMs));
      const callCounts = ours.map((r) => r.restCalls);
      const naiveWall = summarize(naive.map((r) => r.wall));
      const naiveCalls = naive[0]!.calls;
      const allowed = Math.max(rateLimitWaitMs(callCounts[0]!), portalMs.median);
      rows.push([
        item.shape,
        fmtInt(item.recipients),
        fmtCounts(callCounts),
        fmtInt(minimum),
        fmtInt(cold.restCalls),
        fmtMedian(wall),
        fmtMedian(portalMs),
        `${fmtNumber((wall.median / allowed - 1) * 100)} %`,
        fmtInt(naiveCalls),
        fmtMedian(naiveWall),
        `${fmtNumber((naiveWall.median + rateLimitWaitMs(naiveCalls)) / 1000, 's')}`,
      ]);
      targets.push({
        what: `${item.shape}, ${fmtInt(item.recipients)}: REST calls`,
        target: `= ${minimum} (ceil(N / 2,500))`,
        actual: fmtCounts(callCounts),
        met: callCounts.every((count) => count === minimum),
      });
      targets.push({
        what: `${item.shape}, ${fmtInt(item.recipients)}: wall time`,
        target: `≤ 110 % of what the limit allows (${fmtNumber(allowed, 'ms')})`,
        actual: `${fmtNumber(wall.median, 'ms')} (${fmtNumber((wall.median / allowed) * 100)} %)`,
        met: wall.median <= allowed * 1.1,
      });
    }

    return [
      {
        id: 'audience',
        title: '1. Audience resolution',
        columns: [
          'audience',
          'recipients',
          'REST calls',
          'platform minimum',
          'calls, cold tree cache',
          'wall time',
          'portal time',
          'beyond the portal',
          'naive: REST calls',
          'naive: wall, no limit',
          'naive: with 50 + 2/s limit (model)',
        ],
        rows,
        targets,
        notes: [
          `By default N = 100, 2,500, 10,000; BENCH_FULL=1 adds 50,000 (47,789 employees), which takes minutes because the simulator filters all 50,000 users for every user.get page (~70 ms a page, ~3.5 s per batch of 50). Median of ${context.runs} runs (min–max), after one warm-up run; every run starts from a rested portal with the default leaky bucket (burst 50, 2/s). "everybody" is \`{all: true}\` on a portal sized so its active employees number N (the simulator caps portals at 50,000 users: 47,789 employees); "department tree" is one department with its sub-departments on the largest portal (${bigLabel} users), the one whose subtree is nearest N (the department tree cached, as for the send that follows a preview).`,
          '"REST calls" are `batch` calls counted by the simulator (and reported by resolveAudience); "calls, cold tree cache" adds the `department.get` read when the tree is not cached. "portal time" is the union of the REST round trips (request until answer read) the resolution waited on; "beyond the portal" is wall time over what the rate limit allows — max(bucket wait, portal time); with ≤ 50 calls the bucket never makes anyone wait, so it is the backend\'s own share (parsing 2,500-row answers, building the set).',
          'Naive baseline: @bitrix24/b24jssdk 2.2.0 `B24OAuth.callListMethod("user.get", …)` in Node against the same portal, one page of 50 per REST call (`start`/`next`). It is run with both the portal\'s and the SDK\'s own rate limiter lifted (under the default limit 1,000 pages would take 8 minutes a run); the last column models it under the default limit: measured time + (calls − 50) / 2 s of bucket wait. With BENCH_FULL=1 the 47,789-employee rows use 3 naive runs.',
        ],
      },
    ];
  } finally {
    await sim.close();
  }
}
