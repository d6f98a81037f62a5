import v8 from 'node:v8';
import vm from 'node:vm';
import { resolveAudienceIds } from '../server/audience/resolveAudience.js';
import type { CallRest } from '../server/bitrix/batch.js';
import type { Benchmark } from './harness.js';
import { fmtInt, fmtNumber } from './stats.js';

/**
 * Memory a send's audience keeps per recipient (issue 14: under 100 bytes at 100,000). A synthetic
 * portal answers `batch` pages of `user.get` as the core does (50 rows, `total`, `next`), built on the
 * fly so that only what resolveAudienceIds keeps stays on the heap. Measured after full garbage
 * collections: while resolving (at each batch call) and with the result held, minus before, per recipient.
 */

const SIZES = [10_000, 100_000];
const TARGET_BYTES_PER_RECIPIENT = 100;

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

function heapUsed(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

/** A portal of `employees` active employees, each with a name, position, photo and department, as `user.get` rows. */
function syntheticPortal(employees: number): CallRest {
  const row = (id: number) => ({
    ID: String(id),
    ACTIVE: true,
    USER_TYPE: 'employee',
    NAME: `Name${id}`,
    LAST_NAME: `Surname${id}`,
    SECOND_NAME: '',
    WORK_POSITION: 'Field engineer, night shift',
    PERSONAL_PHOTO: `https://cdn.example/photos/${id}.jpg`,
    UF_DEPARTMENT: [1 + (id % 40)],
  });
  return async (method, params) => {
    if (method !== 'batch') throw new Error(`the synthetic portal answers batch only, not ${method}`);
    const cmd = params.cmd as Record<string, string>;
    const result: Record<string, unknown> = {};
    const total: Record<string, number> = {};
    const next: Record<string, number> = {};
    for (const [key, line] of Object.entries(cmd)) {
      const start = Number(/[?&]start=(\d+)/.exec(line)?.[1] ?? 0);
      const rows = [];
      for (let id = start + 1; id <= Math.min(employees, start + 50); id += 1) rows.push(row(id));
      result[key] = rows;
      total[key] = employees;
      if (start + 50 < employees) next[key] = start + 50;
    }
    return { result: { result, result_error: [], result_total: total, result_next: next, result_time: {} } };
  };
}

export const audienceMemory: Benchmark = async (context) => {
  const rows: string[][] = [];
  const perRecipient: number[] = [];
  for (const size of SIZES) {
    const callRest = syntheticPortal(size);
    const before = heapUsed();
    let live = before;
    // Measured as each batch call is made, after a full collection: what the resolution holds so far
    // (and the page it is about to get). The last call's figure is the resolution's own at its largest.
    const measured: CallRest = async (method, params) => {
      live = Math.max(live, heapUsed());
      return callRest(method, params);
    };
    const ids = await resolveAudienceIds(measured, { all: true });
    const held = heapUsed() - before;
    if (ids.length !== size) throw new Error(`resolved ${ids.length} of ${size}`);
    const bytes = held / size;
    const whileResolving = (live - before) / size;
    perRecipient.push(Math.max(bytes, whileResolving));
    rows.push([fmtInt(size), fmtNumber(bytes, ' B'), fmtNumber(whileResolving, ' B')]);
    context.log(`audience memory: ${size} recipients, ${bytes.toFixed(1)} B each`);
  }
  const atLargest = perRecipient.at(-1)!;
  return [
    {
      id: 'audience-memory',
      title: 'Audience memory per recipient (synthetic portal)',
      columns: ['recipients', 'result per recipient', 'held while resolving, per recipient'],
      rows,
      targets: [{ what: `held per recipient at ${fmtInt(SIZES.at(-1)!)}`, target: `< ${TARGET_BYTES_PER_RECIPIENT} B`, actual: fmtNumber(atLargest, ' B'), met: atLargest < TARGET_BYTES_PER_RECIPIENT }],
      notes: [
        'resolveAudienceIds for `{all: true}` against a synthetic portal that builds each 50-row `user.get` page when asked (name, position, photo URL, department per row), so the heap holds only what the resolution keeps.',
        '"result": heap used after two full collections with the ids held, minus before. "held while resolving": the same measured as each batch call is made (the ids so far, the sample, the lists\' state), the largest; the target applies to the larger of the two.',
      ],
    },
  ];
};
