/**
 * `tsx simulator/cli.ts` (npm run simulator): the portal simulator alone, configured from the
 * environment or `--name=value` arguments, until SIGINT/SIGTERM.
 *
 *   APP_URL / --app-url             the app's base URL                     (http://127.0.0.1:3000)
 *   CLIENT_ID / --client-id         the app's client_id                    (local.teampush.test)
 *   CLIENT_SECRET / --client-secret the app's client_secret                (simulated-client-secret-0123456789)
 *   APP_NAME / --app-name           registered name, the push title        (Team Push)
 *   USERS / --users                 users per portal, up to 50,000         (250)
 *   PORTALS / --portals             number of portals                      (1)
 *   OAUTH_PORT / --oauth-port       OAuth server port, 0 = any             (3100)
 *   PORTAL_PORT / --portal-port     first portal's port (+1 per portal)    (3200)
 *   PREINSTALLED / --preinstalled   1 = the app is installed at start      (0)
 */
import { startSimulator } from './index.js';

function option(name: string, fallback: string): string {
  const flag = `--${name}=`;
  const fromArgs = process.argv.find((arg) => arg.startsWith(flag));
  if (fromArgs) return fromArgs.slice(flag.length);
  return process.env[name.toUpperCase().replace(/-/g, '_')] ?? fallback;
}

const portalCount = Math.max(1, Number(option('portals', '1')));
const firstPort = Number(option('portal-port', '3200'));
const sim = await startSimulator({
  oauthPort: Number(option('oauth-port', '3100')),
  app: {
    clientId: option('client-id', 'local.teampush.test'),
    clientSecret: option('client-secret', 'simulated-client-secret-0123456789'),
    name: option('app-name', 'Team Push'),
    url: option('app-url', 'http://127.0.0.1:3000'),
    scopes: ['pull', 'user_brief', 'department', 'sonet_group', 'placement'],
  },
  portals: Array.from({ length: portalCount }, (_, i) => ({
    label: `portal${i + 1}`,
    port: firstPort === 0 ? 0 : firstPort + i,
    users: Number(option('users', '250')),
    seed: i + 1,
    preinstalled: option('preinstalled', '0') === '1',
  })),
});

console.log(`Bitrix24 portal simulator
  OAuth server (B24_OAUTH_URL): ${sim.oauth.url}`);
for (const portal of sim.portals) {
  console.log(`  ${portal.label}: ${portal.origin}  member_id ${portal.memberId}  (${portal.directory.users.length} users, ${portal.installState})
    portal page: ${portal.shellUrl()}
    phone page:  ${portal.phoneUrl()}
    state:       ${portal.origin}/_sim/state`);
}
console.log('Ctrl+C stops it.');

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await sim.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
