/**
 * Child process for the process tests (server/send/sendProcesses.test.ts): the real server, `runServer`, as
 * `server/main.ts` runs it, configured by the app's own variables (PORT, DATABASE_URL,
 * TOKEN_ENCRYPTION_KEY, B24_CLIENT_ID, B24_CLIENT_SECRET, B24_OAUTH_URL, LOG_LEVEL …), with test
 * timings from these (each optional; unset means production's default):
 * - PUSH_ANSWER_DELAY_MS: each `pull.application.push.add` answer reaches the app that much later
 *   (a slow network on the way back: Bitrix24 has taken the push, the app does not know yet);
 * - SHUTDOWN_GRACE_MS: how long SIGTERM waits for the sends in flight;
 * - ANSWER_WITHIN_MS: how long POST /api/sends waits before answering 202 (default here 0);
 * - CHUNK_SIZE, PUSHES_PER_CALL: recipients per chunk, chunks per REST call;
 * - FAIL: a failure nothing catches, once the server runs (server/processFailures.test.ts): `rejection`
 *   (an unhandled promise rejection), `exception` (an uncaught exception) or `in-shutdown` (an exception
 *   thrown while SIGTERM is being handled).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { builtClientPages } from '../../../server/http/clientPages.js';
import { runServer } from '../../../server/runServer.js';
import { PUSH_METHOD } from '../../../server/send/sendPipeline.js';

const optionalNumber = (name: string): number | undefined => (process.env[name] ? Number(process.env[name]) : undefined);

const pushAnswerDelayMs = optionalNumber('PUSH_ANSWER_DELAY_MS') ?? 0;
const slowAnswers: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  if (pushAnswerDelayMs > 0 && url.includes(PUSH_METHOD)) await delay(pushAnswerDelayMs);
  return response;
};

/** Two pages and no assets: the server tests need no built client. */
function tinyClientPages() {
  const dist = mkdtempSync(path.join(tmpdir(), 'client-dist-'));
  mkdirSync(path.join(dist, 'assets'));
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>app page</title>');
  writeFileSync(path.join(dist, 'install.html'), '<!doctype html><title>install page</title>');
  return builtClientPages(dist);
}

await runServer({
  pages: tinyClientPages(),
  fetch: slowAnswers,
  shutdownGraceMs: optionalNumber('SHUTDOWN_GRACE_MS'),
  sends: { answerWithinMs: optionalNumber('ANSWER_WITHIN_MS') ?? 0, chunkSize: optionalNumber('CHUNK_SIZE'), pushesPerCall: optionalNumber('PUSHES_PER_CALL') },
});

const failure = process.env.FAIL;
if (failure === 'rejection') setTimeout(() => void Promise.reject(new Error('a rejection nobody handles')), 200);
if (failure === 'exception') {
  setTimeout(() => {
    throw new Error('an exception nobody catches');
  }, 200);
}
if (failure === 'in-shutdown') {
  process.on('SIGTERM', () => {
    throw new Error('an exception during the shutdown');
  });
}
