import { ManualClock, startSimulator } from '../simulator/index.js';
import { TEST_CLIENT_ID, TEST_CLIENT_SECRET } from '../scripts/stack.js';
import { REQUIRED_SCOPES } from '../server/bitrix/scopes.js';
import { createOAuthClient } from '../server/bitrix/oauthClient.js';
import { createPortalGateway } from '../server/bitrix/portalGateway.js';
import { createLogger } from '../server/logger.js';
import { migrateToLatest, openDatabase } from '../server/storage/database.js';
import { createPortalStore } from '../server/storage/portalStore.js';
import { createTokenCipher, generateEncryptionKey } from '../server/security/tokenCipher.js';
import { loudSkip, NO_LIMIT, postgresDatabase, probePostgres, sqliteDatabase, type BenchContext, type BenchDatabase, type Section, type TargetCheck } from './harness.js';
import { fmtCounts, fmtMedian, repeat, summarize } from './stats.js';

/**
 * 4. Token refresh storm: 200 concurrent calls through the portal gateway with an expired stored
 * token. Counts the refresh_token grants the OAuth server saw (target: exactly 1) and the time until
 * all 200 calls have succeeded, next to the same 200 calls with a valid token.
 */

const CONCURRENT = 200;
const HOUR = 3_600_000;

export async function refreshStorm(context: BenchContext): Promise<Section[]> {
  const clock = new ManualClock(Date.now());
  const sim = await startSimulator({
    clock,
    app: { clientId: TEST_CLIENT_ID, clientSecret: TEST_CLIENT_SECRET, name: 'Team Push', url: 'http://127.0.0.1:9', scopes: [...REQUIRED_SCOPES] },
    // The storm is about refresh coordination: the portal's rate limit (which would refuse 150 of the 200) is lifted.
    portals: [{ label: 'storm', users: 40, preinstalled: true, rateLimit: NO_LIMIT }],
  });
  const rows: string[][] = [];
  const targets: TargetCheck[] = [];
  const notes: string[] = [];
  try {
    const portal = sim.portal('storm');
    const admin = portal.directory.users.find((user) => user.admin && user.active)!;
    const pgProblem = await probePostgres();
    const kinds: Array<() => Promise<BenchDatabase>> = [sqliteDatabase];
    if (pgProblem) notes.push(loudSkip('the token refresh storm', pgProblem));
    else kinds.push(postgresDatabase);

    for (const makeDatabase of kinds) {
      const db = await makeDatabase();
      const appDb = await openDatabase(db.url, { logger: createLogger({ level: 'silent' }) });
      try {
        await migrateToLatest(appDb);
        const store = createPortalStore(appDb, createTokenCipher(generateEncryptionKey()), { now: () => clock.now() });
        // The OAuth client computes expiry on the same clock as the gateway (as in the app, where all parts share one).
        const oauth = createOAuthClient({ oauthUrl: sim.oauth.url, clientId: TEST_CLIENT_ID, clientSecret: TEST_CLIENT_SECRET, now: () => clock.now() });
        const gateway = createPortalGateway({ store, oauth, logger: createLogger({ level: 'silent' }), now: () => clock.now() });
        const install = async () => {
          const answer = portal.issueTokens(admin.id);
          await store.upsertPortal({ memberId: answer.member_id, domain: new URL(answer.client_endpoint).host, clientEndpoint: answer.client_endpoint, serverEndpoint: answer.server_endpoint, appName: 'Team Push' });
          await store.markInstallFinished(answer.member_id);
          await store.saveUserTokens(answer.member_id, admin.id, { accessToken: answer.access_token, refreshToken: answer.refresh_token, expiresAt: answer.expires * 1000, scope: answer.scope, isAdmin: true });
        };
        const storm = async () => {
          const started = performance.now();
          const answers = await Promise.all(Array.from({ length: CONCURRENT }, () => gateway.callAsUser<{ ID: string }>(portal.memberId, admin.id, 'profile')));
          const ms = performance.now() - started;
          if (!answers.every(({ result }) => Number(result.ID) === admin.id)) throw new Error('a call answered for someone else');
          return ms;
        };
        context.log(`${db.kind}: ${context.runs} storms of ${CONCURRENT}`);
        const valid = await repeat(
          context.runs,
          async () => {
            await install();
            return storm();
          },
          1,
        );
        const expired = await repeat(
          context.runs,
          async () => {
            await install();
            clock.advance(2 * HOUR); // the stored access token is now expired (stored expiry and at the portal)
            const before = sim.oauth.refreshCount(portal.memberId, admin.id);
            const ms = await storm();
            return { ms, refreshes: sim.oauth.refreshCount(portal.memberId, admin.id) - before };
          },
          1,
        );
        const refreshes = expired.map((run) => run.refreshes);
        const validMs = summarize(valid);
        const expiredMs = summarize(expired.map((run) => run.ms));
        rows.push([db.kind, fmtCounts(refreshes), fmtMedian(expiredMs), fmtMedian(validMs), `${Math.round(expiredMs.median - validMs.median)} ms`]);
        targets.push({ what: `${db.kind}: refresh calls for ${CONCURRENT} concurrent calls`, target: 'exactly 1', actual: fmtCounts(refreshes), met: refreshes.every((count) => count === 1) });
      } finally {
        await appDb.close();
        await db.dispose();
      }
    }
  } finally {
    await sim.close();
  }
  return [
    {
      id: 'refresh',
      title: '4. Token refresh storm',
      columns: ['database', 'refresh calls', `time until all ${CONCURRENT} succeed (expired token)`, 'same calls, valid token', 'recovery cost'],
      rows,
      targets,
      notes: [
        ...notes,
        `Median of ${context.runs} runs (min–max) after one warm-up. Each run stores a fresh token pair, moves the simulator's clock 2 h on (token expired both by its stored expiry and at the portal), then fires ${CONCURRENT} \`profile\` calls at once through \`createPortalGateway\` (server/bitrix/portalGateway.ts). "refresh calls" are the refresh_token grants the simulated OAuth server counted. "recovery cost" = expired − valid: the one refresh (under the store's per-user lock) plus the calls queued behind it. The portal's rate limit is lifted for this test.`,
      ],
    },
  ];
}
