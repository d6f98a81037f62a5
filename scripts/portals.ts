/**
 * `npm run portals`: the installed portals as the app's database knows them, so an operator can see
 * installs that never finished (state `new`) and portals without an admin holding live tokens (pushes
 * and scheduled sends for them need an administrator to open the app once). Prints no secrets.
 */
import { loadConfigOrExit } from '../server/config.js';
import { openDatabase, migrateToLatest } from '../server/storage/database.js';
import { createPortalStore } from '../server/storage/portalStore.js';
import { loadTokenCipher } from '../server/security/keyring.js';

const config = loadConfigOrExit();

const { cipher } = await loadTokenCipher(config);
const database = await openDatabase(config.databaseUrl);
await migrateToLatest(database);
const portals = await createPortalStore(database, cipher).listPortals();
await database.close();

const when = (ms: number | null) => (ms === null ? '—' : new Date(ms).toISOString().replace('T', ' ').slice(0, 16));
const note = (p: (typeof portals)[number]) =>
  p.installState === 'new' ? 'install never finished' : p.installState === 'installed' && p.liveAdmins === 0 ? 'no admin with live tokens: an admin must open the app' : '';

if (portals.length === 0) {
  console.log('No portals yet.');
} else {
  console.table(
    portals.map((p) => ({ member_id: p.memberId, domain: p.domain, state: p.installState, app_status: p.appStatus ?? '—', since: when(p.createdAt), finished: when(p.installFinishedAt), live_admins: p.liveAdmins, attention: note(p) })),
  );
}
