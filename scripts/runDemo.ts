import { startStack } from './stack.js';
import { createLogger } from '../server/logger.js';
import type { ClientPages } from '../server/http/clientPages.js';

const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

/**
 * The demo (`npm run demo`, scripts/demo.ts): the simulator and the app on the DEMO_* ports, then the
 * URLs, last. The console stays quiet: the start-up lines, the URLs; while it runs, what the app does
 * (installs, sends) at info, but not each request (debug: LOG_LEVEL=debug shows them). SIGINT (Ctrl+C)
 * or SIGTERM stops it. `pages`: the built client (scripts/demo.test.ts passes fixture pages).
 */
export async function runDemo(options: { pages?: ClientPages } = {}): Promise<void> {
  // Synchronous: the start-up lines are out before the URLs.
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info', sync: true });
  const stack = await startStack({
    appPort: port('DEMO_APP_PORT', 3000),
    oauthPort: port('DEMO_OAUTH_PORT', 3100),
    portals: [{ label: 'demo', port: port('DEMO_PORTAL_PORT', 3200), users: Number(process.env.DEMO_USERS ?? 250), language: 'en' }],
    logger,
    requestLogLevel: 'debug',
    pages: options.pages,
  });

  const portal = stack.sim.portal();
  const nonAdmin = portal.directory.users.find((user) => user.active && !user.admin && user.type === 'employee');
  console.log(`
  Team Push demo — a simulated Bitrix24 portal with the app (Ctrl+C stops everything)

  The same portal as a non-administrator:  ${nonAdmin ? portal.shellUrl({ userId: nonAdmin.id }) : '(none)'}
  Phone page (the pushes received):        ${portal.phoneUrl()}
  The app itself:                          ${stack.appUrl}
  Simulated OAuth server:                  ${stack.sim.oauth.url}

  Open the portal (signed in as an administrator), install the app from the Market card,
  then open it from the left menu:

    ${portal.shellUrl()}
`);

  async function stop() {
    await stack.close();
    process.exit(0);
  }
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}
