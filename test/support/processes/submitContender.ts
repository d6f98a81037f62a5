/**
 * Child process for the multi-process idempotency test: a send stack on a shared PostgreSQL submits
 * the same request (same idempotency key) at the same moment as the other processes. Env: see
 * childSendStack, plus REQUEST (JSON of a SendRequest). Prints {created, sendId, status}.
 */
import { waitForGo } from '../childProcesses.js';
import type { SendRequest } from '../../../server/send/sendPipeline.js';
import { childSendStack, requiredEnv } from './childSendStack.js';

const { database, pipeline } = await childSendStack();
const request = JSON.parse(requiredEnv('REQUEST')) as SendRequest;
process.stdout.write('ready\n');
await waitForGo();

const submission = await pipeline.submit(request);
const send = await submission.done;
await pipeline.idle();
await database.close();
process.stdout.write(`${JSON.stringify({ created: submission.created, sendId: send.id, status: send.status })}\n`);
