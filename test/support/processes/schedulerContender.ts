/**
 * Child process for the two-processes scheduling test: a send stack on a shared PostgreSQL with the
 * clock fixed at NOW. On `go` it ticks its scheduler TICKS times (what its timer would do) and waits
 * for the sends it started. Env: see childSendStack, plus NOW and TICKS. Prints {started}.
 */
import { waitForGo } from '../childProcesses.js';
import { childSendStack, requiredEnv } from './childSendStack.js';

const { database, pipeline, scheduler } = await childSendStack();
process.stdout.write('ready\n');
await waitForGo();

let started = 0;
for (let i = 0; i < Number(requiredEnv('TICKS')); i += 1) started += await scheduler.tick();
await scheduler.stop();
await pipeline.idle();
await database.close();
process.stdout.write(`${JSON.stringify({ started })}\n`);
