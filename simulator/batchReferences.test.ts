import { afterAll, beforeAll, expect, it } from 'vitest';
import { STABLE_EMPLOYEE_ID } from './directory.js';
import type { SimulatorImpl } from './simulator.js';
import { rest, startTestSimulator } from './testSupport.js';
import type { SimPortal } from './contract.js';

/**
 * `batch` rewrites references to earlier commands' answers in each command's parameters, as the core's
 * CRestUtil::processBatchElement does (rest module, classes/general/rest_util.php). Seen through what
 * pull.application.push.add records as the pushed text.
 */
let sim: SimulatorImpl;
let portal: SimPortal;
let token: string;

beforeAll(async () => {
  ({ sim } = await startTestSimulator({ portals: [{ users: 120, preinstalled: true }] }));
  portal = sim.portal();
  token = portal.issueTokens(1).access_token;
});

afterAll(async () => {
  await sim?.close();
});

type BatchResult = { result: Record<string, unknown>; result_error: Record<string, { error: string }>; result_total: Record<string, number>; result_next: Record<string, number>; result_time: Record<string, { start: number; date_start: string }> };

const push = (text: string) => `pull.application.push.add?USER_ID=${STABLE_EMPLOYEE_ID}&TEXT=${encodeURIComponent(text)}`;
const pushedText = (marker: string) => portal.pushes.filter((p) => p.text.startsWith(marker)).map((p) => p.text);

it('replaces $result/$next/$total/$time/$error[…] runs found case-insensitively, looked up as written; strings and numbers only, unless the value is the reference alone', async () => {
  const cmd = {
    a: push('first'),
    u: 'user.get?FILTER[ACTIVE]=Y',
    b: push('B r=$result[a] t=$TOTAL[x] d=$time[a][date_start] s=$Time[a][start] n=$time[a][start] q=$result[zzz] h=$time[a][nope]'),
    counts: push('C total=$total[u] next=$next[u]'),
    whole: push('$TOTAL[x]'),
    why: push('W $error[whole][error]'),
    tail: push('T x$time[a][date_start],y and$time\u00a0[a][date_start] $time [a][date_start]'),
  };
  const reply = await rest(portal, 'batch', { halt: 0, cmd }, token);
  const body = reply.body.result as BatchResult;
  const a = body.result_time.a!;
  expect(pushedText('B ')).toEqual([`B r=$result[a] t=$TOTAL[x] d=${a.date_start} s=$Time[a][start] n=${String(a.start)} q=$result[zzz] h=$time[a][nope]`]);
  expect(pushedText('C ')).toEqual([`C total=${body.result_total.u} next=${body.result_next.u}`]);
  // `$TOTAL` finds nothing ($arResult keys are lower-case): the value alone becomes null, an empty TEXT.
  expect(body.result_error.whole).toEqual({ error: 'TEXT_ERROR', error_description: "Text can't be empty" });
  expect(pushedText('W ')).toEqual(['W TEXT_ERROR']);
  // The run goes to the next ASCII whitespace: ",y" goes with it, a no-break space does not end it.
  expect(pushedText('T ')).toEqual([`T x${a.date_start} and${a.date_start} $time [a][date_start]`]);
});

it('a value that is the reference alone takes what it finds, whatever it is', async () => {
  const reply = await rest(portal, 'batch', { cmd: { me: 'profile', again: 'user.get?ID=$result[me][ID]' } }, token);
  const body = reply.body.result as BatchResult & { result: Record<string, Array<{ ID: string }>> };
  expect(body.result.again?.map((user) => user.ID)).toEqual(['1']);
});

it('casts numbers as PHP does (precision 14)', async () => {
  const { phpNumberString } = await import('./batchReferences.js');
  expect([120, 50, 1796807400.123, 1724916859.46156, 0.0001, 0.00001, 0.1 + 0.2, 123456789012345.6, 1e20, -2.5].map(phpNumberString)).toEqual([
    '120',
    '50',
    '1796807400.123',
    '1724916859.4616',
    '0.0001',
    '1.0E-5',
    '0.3',
    '1.2345678901235E+14',
    '1.0E+20',
    '-2.5',
  ]);
});
