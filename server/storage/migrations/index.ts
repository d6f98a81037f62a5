import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_foundation.js';
import * as m0002 from './0002_sends.js';
import * as m0003 from './0003_portal_app_status.js';
import * as m0004 from './0004_scheduled_sends.js';
import * as m0005 from './0005_portal_purge_after.js';
import * as m0006 from './0006_send_lease_owners.js';
import * as m0007 from './0007_send_pause.js';
import * as m0008 from './0008_uninstall_reports.js';

/**
 * Every migration, in order. Names are `NNNN_name`; Kysely applies them in name order and refuses
 * a database that has applied a migration this list does not know, or out of order.
 * Add a new file `NNNN_name.ts` and list it here.
 */
export const migrations: Readonly<Record<string, Migration>> = {
  '0001_foundation': m0001,
  '0002_sends': m0002,
  '0003_portal_app_status': m0003,
  '0004_scheduled_sends': m0004,
  '0005_portal_purge_after': m0005,
  '0006_send_lease_owners': m0006,
  '0007_send_pause': m0007,
  '0008_uninstall_reports': m0008,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve({ ...migrations }),
};
