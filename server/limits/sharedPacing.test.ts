import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startStack, TEST_CLIENT_ID, TEST_CLIENT_SECRET, type Stack } from '../../scripts/stack.js';
import { fixtureClientPages } from '../../test/support/fixturePages.js';
import { firstAdmin, isRecipient, postInstall } from '../../test/support/directory.js';
import { startAppProcess, stopAppProcesses, type AppProcess } from '../../test/support/appProcesses.js';
import { worstExcess } from '../../test/support/callWindows.js';
import { redisProbe, TEST_REDIS_URL } from '../../test/support/redis.js';
import { forEachDatabase } from '../../test/support/databases.js';
import type { SimPortal } from '../../simulator/contract.js';
import { MEMBER_ID_HEADER } from '../api/frameAuth.js';
import { createSendStore, FINAL_SEND_STATUSES, type SendStore } from '../storage/sendStore.js';

/**
 * Three real app processes on the machine's PostgreSQL send to one simulated portal at once (issue 14):
 * they share one pace per portal through the limit store (PostgreSQL's table, or Redis with REDIS_URL),
 * so the portal sees no more than its bucket allows (burst 50, then 2 a second: decision 0010, fact 11)
 * and never answers QUERY_LIMIT_EXCEEDED, and every push lands once. The simulator runs on the real
 * clock here; the check counts calls over every span of its log, it does not time us.
 */

const PROCESSES = 3;
const SENDS_PER_PROCESS = 12;
const USERS_PER_SEND = 10;
const BITRIX24_BUCKET = { burst: 50, perSecond: 2 };

forEachDatabase(
  'shared REST pacing across processes',
  (getDb) => {
    let stack: Stack;
    let sends: SendStore;
    const running = new Set<AppProcess>();

    beforeAll(async () => {
      stack = await startStack({
        pages: fixtureClientPages(),
        databaseUrl: getDb().url,
        // One portal per store, so each starts with the portal's bucket empty.
        portals: [
          { label: 'postgres', users: 600, seed: 11 },
          { label: 'redis', users: 600, seed: 11 },
        ],
        // The stack's own app installs the portals and never sends: only the child processes do.
        sends: { scheduler: false, recoverAtStart: false },
      });
      for (const label of ['postgres', 'redis']) {
        const portal = stack.sim.portal(label);
        expect(await postInstall(portal)).toBe(200);
        for (const user of portal.directory.users) if (isRecipient(user)) user.pushEnabled = true;
      }
      sends = createSendStore(stack.database);
    }, 120_000);

    afterEach(async () => {
      await stopAppProcesses(running);
      running.clear();
    });
    afterAll(async () => {
      await stopAppProcesses(running);
      await stack?.close();
    });

    async function bucketDrained(portal: SimPortal): Promise<void> {
      for (const deadline = Date.now() + 30_000; Date.now() < deadline; await delay(200)) {
        const state = (await (await fetch(`${portal.origin}/_sim/state`)).json()) as { rateLimitFill: number };
        if (state.rateLimitFill < 1) return;
      }
      throw new Error('the portal’s bucket did not drain');
    }

    async function submit(app: AppProcess, portal: SimPortal, token: string, text: string, users: number[]): Promise<string> {
      const response = await fetch(`${app.url}/api/sends`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, [MEMBER_ID_HEADER]: portal.memberId, 'Content-Type': 'application/json' },
        body: JSON.stringify({ idempotencyKey: randomUUID(), text, audience: { users } }),
      });
      const body = (await response.json()) as { send?: { id: string } };
      expect([response.status, typeof body.send?.id], JSON.stringify(body)).toEqual([expect.toSatisfy((status: number) => status === 201 || status === 202), 'string']);
      return body.send!.id;
    }

    async function finished(memberId: string, sendId: string) {
      for (const deadline = Date.now() + 100_000; Date.now() < deadline; await delay(250)) {
        const send = await sends.getSend(memberId, sendId);
        if (send && FINAL_SEND_STATUSES.includes(send.status)) return send;
      }
      throw new Error(`send ${sendId} did not finish`);
    }

    const variants = [
      { label: 'postgres', store: 'the PostgreSQL table', env: {} as Record<string, string>, available: true },
      { label: 'redis', store: 'Redis (REDIS_URL)', env: { REDIS_URL: TEST_REDIS_URL }, available: redisProbe.ok },
    ];
    for (const variant of variants) {
      if (!variant.available) console.warn(`!!! Redis at ${TEST_REDIS_URL} is unreachable: SKIPPING the ${variant.store} variant of the shared pacing test`);
      it.skipIf(!variant.available)(
        `3 processes sharing ${variant.store}: ${PROCESSES * SENDS_PER_PROCESS} sends at once; the portal sees at most its burst plus 2 calls a second, no QUERY_LIMIT_EXCEEDED, every push once`,
        { timeout: 180_000 },
        async () => {
          const portal = stack.sim.portal(variant.label);
          const env = {
            ...variant.env,
            DATABASE_URL: getDb().url,
            TOKEN_ENCRYPTION_KEY: stack.config.tokenEncryptionKey!,
            B24_CLIENT_ID: TEST_CLIENT_ID,
            B24_CLIENT_SECRET: TEST_CLIENT_SECRET,
            B24_OAUTH_URL: stack.sim.oauth.url,
          };
          const apps = await Promise.all(Array.from({ length: PROCESSES }, () => startAppProcess(env)));
          for (const app of apps) running.add(app);
          await bucketDrained(portal);

          const recipients = portal.directory.users.filter(isRecipient).map((user) => user.id);
          const audiences = Array.from({ length: PROCESSES * SENDS_PER_PROCESS }, (_, i) => recipients.slice(i * USERS_PER_SEND, (i + 1) * USERS_PER_SEND));
          expect(audiences.at(-1)).toHaveLength(USERS_PER_SEND);
          const texts = audiences.map(() => `Shared pace ${randomUUID()}`);
          const from = Date.now();
          const logFrom = portal.requestLog.length;
          // Each process checks its admin's token once (as the frame's first call does); the sends then go at once.
          const tokens = apps.map(() => portal.issueTokens(firstAdmin(portal).id).access_token);
          for (const [n, app] of apps.entries()) {
            const status = await fetch(`${app.url}/api/status`, { headers: { Authorization: `Bearer ${tokens[n]}`, [MEMBER_ID_HEADER]: portal.memberId } });
            expect(status.status).toBe(200);
          }
          const sendIds = await Promise.all(
            apps.map((app, n) => {
              const token = tokens[n]!;
              return Promise.all(Array.from({ length: SENDS_PER_PROCESS }, (_, i) => i + n * SENDS_PER_PROCESS).map((n) => submit(app, portal, token, texts[n]!, audiences[n]!)));
            }),
          );
          const outcomes = await Promise.all(sendIds.flat().map((id) => finished(portal.memberId, id)));
          // What counts against the bucket: the calls themselves, not the commands inside a batch (decision 0010, fact 20).
          const calls = portal.requestLog.slice(logFrom).filter((entry) => entry.at >= from && !entry.viaBatch);
          const worst = worstExcess(
            calls.map((entry) => entry.at),
            BITRIX24_BUCKET,
          );
          console.info(
            `shared pacing through ${variant.store}: ${calls.length} REST calls in ${((Math.max(...calls.map((entry) => entry.at)) - from) / 1000).toFixed(1)} s; ` +
              `fullest span: ${worst.calls} calls in ${(worst.spanMs / 1000).toFixed(1)} s (the bucket allows ${BITRIX24_BUCKET.burst} + ${BITRIX24_BUCKET.perSecond}/s)`,
          );

          expect(outcomes.map((send) => send.status)).toEqual(outcomes.map(() => 'sent'));
          // More calls than the burst, so the pace (not the burst) was what kept them inside the bucket.
          expect(calls.length).toBeGreaterThan(BITRIX24_BUCKET.burst + 20);
          expect(calls.filter((entry) => entry.error === 'QUERY_LIMIT_EXCEEDED')).toEqual([]);
          expect(worst.excess).toBeLessThanOrEqual(0);
          texts.forEach((text, n) => {
            const pushed = portal.pushes.filter((push) => push.text === text).map((push) => push.userId);
            expect(pushed.sort((a, b) => a - b)).toEqual(audiences[n]);
          });
          for (const app of apps) expect([app.child.exitCode, app.child.signalCode], app.output()).toEqual([null, null]);
        },
      );
    }
  },
  { only: ['postgres'] },
);
