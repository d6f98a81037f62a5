/**
 * `npm run demo`: the portal simulator and the app together, so anyone can install the app, open it
 * from the simulated left menu and watch pushes arrive on the phone page, without a Bitrix24 account.
 */
import { startStack } from './stack.js';
import { createLogger } from '../server/logger.js';

const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

const stack = await startStack({
  appPort: port('DEMO_APP_PORT', 3000),
  oauthPort: port('DEMO_OAUTH_PORT', 3100),
  portals: [{ label: 'demo', port: port('DEMO_PORTAL_PORT', 3200), users: Number(process.env.DEMO_USERS ?? 250), language: 'en' }],
  logger: createLogger({ level: process.env.LOG_LEVEL ?? 'info' }),
});

const portal = stack.sim.portal();
const nonAdmin = portal.directory.users.find((user) => user.active && !user.admin && user.type === 'employee');
console.log(`
  Team Push demo — a simulated Bitrix24 portal with the app

  Portal page (signed in as an administrator):  ${portal.shellUrl()}
  The same portal as a non-administrator:        ${nonAdmin ? portal.shellUrl({ userId: nonAdmin.id }) : '(none)'}
  Phone page (pushes received):                  ${portal.phoneUrl()}
  The app itself:                                ${stack.appUrl}
  Simulated OAuth server:                        ${stack.sim.oauth.url}

  Install the app from the Market card, then open it from the left menu. Ctrl+C stops everything.
`);

async function stop() {
  await stack.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
