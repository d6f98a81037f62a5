/**
 * `npm run portals`: the installed portals as the app's database knows them, so an operator can see
 * installs that never finished (state `new`), uninstalls reported but not yet confirmed by Bitrix24 (decision 0015), and portals without an admin holding live tokens (pushes
 * and scheduled sends for them need an administrator to open the app once). Prints no secrets.
 */
import { openPortalStore } from './cliDatabase.js';

const { store, close } = await openPortalStore();
const portals = await store.listPortals();
await close();

const when = (ms: number | null) => (ms === null ? '—' : new Date(ms).toISOString().replace('T', ' ').slice(0, 16));
const note = (p: (typeof portals)[number]) =>
  [
    p.installState === 'new' ? 'install never finished' : '',
    p.installState === 'installed' && p.liveAdmins === 0 ? 'no admin with live tokens: an admin must open the app' : '',
    p.uninstallReportedAt !== null ? `uninstall reported ${when(p.uninstallReportedAt)}, not confirmed by Bitrix24 yet (rechecked for 3 days)` : '',
  ]
    .filter(Boolean)
    .join('; ');

if (portals.length === 0) {
  console.log('No portals yet.');
} else {
  console.table(
    portals.map((p) => ({ member_id: p.memberId, domain: p.domain, state: p.installState, app_status: p.appStatus ?? '—', since: when(p.createdAt), finished: when(p.installFinishedAt), live_admins: p.liveAdmins, attention: note(p) })),
  );
}
