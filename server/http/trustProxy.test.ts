import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, type Stack } from '../../scripts/stack.js';
import { fixtureClientPages } from '../../test/support/fixturePages.js';
import { firstAdmin } from '../../test/support/directory.js';

/**
 * X-Forwarded-For counts only from a configured proxy (TRUST_PROXY). Here the proxies are elsewhere
 * (10.0.0.0/8), so this test's loopback connections are the clients themselves: a forger cannot pick a
 * fresh address per request to escape the per-address verification budget.
 */

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ pages: fixtureClientPages(), portals: [{ label: 'target', users: 12 }], environment: { TRUST_PROXY: '10.0.0.0/8' } });
});

afterAll(async () => {
  await stack?.close();
});

const postInstall = (address: string, fields: Record<string, string>) =>
  fetch(`${stack.appUrl}/install`, { method: 'POST', headers: { 'X-Forwarded-For': address }, body: new URLSearchParams(fields) });

it('forged installs claiming a new address each are still one address: past its budget, even a genuine install from it waits', async () => {
  const target = stack.sim.portal('target');
  const forged = await Promise.all(
    Array.from({ length: 20 }, (_, i) => postInstall(`203.0.113.${i + 1}`, { AUTH_ID: `forged-${i}-${'a'.repeat(20)}`, REFRESH_ID: `forged-${i}-${'r'.repeat(20)}`, member_id: target.memberId })),
  );
  expect(forged.filter((answer) => answer.status === 429).length).toBeGreaterThanOrEqual(15);
  const genuine = target.openFrame(firstAdmin(target).id, 'INSTALL');
  expect((await postInstall('198.51.100.20', genuine.fields)).status).toBe(429);
});
