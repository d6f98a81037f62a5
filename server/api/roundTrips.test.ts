import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, type Stack } from '../../scripts/stack.js';
import { fixtureClientPages } from '../../test/support/fixturePages.js';
import { firstAdmin, isRecipient, postInstall } from '../../test/support/directory.js';
import { forEachDatabase } from '../../test/support/databases.js';
import type { SimPortal } from '../../simulator/contract.js';
import { MEMBER_ID_HEADER } from './frameAuth.js';

/**
 * Database round trips per request, counted (never timed): every statement waits its turn on the event
 * loop and the pool, so their number is what a busy process pays (issue 14). With this process's caches
 * warm, the picker's reads cost no statement and a send at most five, on both databases.
 */

const SEND_STATEMENTS_AT_MOST = 5;

forEachDatabase('round trips per request', (getDb) => {
  let stack: Stack;
  let portal: SimPortal;
  let headers: Record<string, string>;

  beforeAll(async () => {
    stack = await startStack({
      pages: fixtureClientPages(),
      databaseUrl: getDb().url,
      portals: [{ label: 'counted', users: 40 }],
      // Nothing runs in the background: every statement counted belongs to the request.
      sends: { scheduler: false, recoverAtStart: false },
    });
    portal = stack.sim.portal('counted');
    expect(await postInstall(portal)).toBe(200);
    headers = { Authorization: `Bearer ${portal.issueTokens(firstAdmin(portal).id).access_token}`, [MEMBER_ID_HEADER]: portal.memberId, 'Content-Type': 'application/json' };
  });

  afterAll(async () => {
    await stack?.close();
  });

  /** The statements the database executed while `act` ran (and, for a send, until the pipeline is idle). */
  async function statementsOf(act: () => Promise<Response>): Promise<{ statements: number; status: number }> {
    await stack.parts.pipeline?.idle();
    const before = { ...stack.database.statements };
    const response = await act();
    await response.arrayBuffer();
    await stack.parts.pipeline?.idle();
    const executed = stack.database.statements.executed - before.executed;
    const roundTrips = stack.database.statements.roundTrips - before.roundTrips;
    if (executed !== roundTrips) console.info(`${getDb().kind}: ${executed} statements in ${roundTrips} round trips`);
    return { statements: roundTrips, status: response.status };
  }

  const api = (path: string, body?: unknown) =>
    fetch(`${stack.appUrl}/api${path}`, { method: body === undefined ? 'GET' : 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const someRecipients = () => portal.directory.users.filter(isRecipient).slice(0, 3).map((user) => user.id);

  it('a search and a preview read nothing from the database once the caches are warm', async () => {
    const target = portal.directory.users.find(isRecipient)!;
    const audience = { users: someRecipients() };
    // Warm: the frame's token proven, the portal row and the admin's tokens read once.
    expect((await api(`/recipients/search?q=${encodeURIComponent(target.lastName)}`)).status).toBe(200);
    expect((await api('/audience/preview', { audience })).status).toBe(200);

    expect(await statementsOf(() => api(`/recipients/search?q=${encodeURIComponent(target.lastName)}`))).toEqual({ statements: 0, status: 200 });
    expect(await statementsOf(() => api('/audience/preview', { audience }))).toEqual({ statements: 0, status: 200 });
  });

  it(`a send to three people costs at most ${SEND_STATEMENTS_AT_MOST} statements from the request to its end (one more with a cold cache), and lands once`, async () => {
    const recipients = someRecipients();
    const sendTo = async (label: string) => {
      const text = `${label} ${randomUUID()}`;
      const { statements, status } = await statementsOf(() => api('/sends', { idempotencyKey: randomUUID(), text, audience: { users: recipients } }));
      console.info(`${getDb().kind}: a three-person send (${label}) made ${statements} round trips`);
      expect(status).toBe(201);
      expect(portal.pushes.filter((push) => push.text === text).map((push) => push.userId).sort()).toEqual([...recipients].sort());
      return statements;
    };
    // The first send reads the sender's stored tokens; the next ones find them in this process's copy.
    expect(await sendTo('cold')).toBeLessThanOrEqual(SEND_STATEMENTS_AT_MOST + 1);
    expect(await sendTo('warm')).toBeLessThanOrEqual(SEND_STATEMENTS_AT_MOST);
  });
});
