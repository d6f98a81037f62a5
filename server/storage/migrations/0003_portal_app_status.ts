import type { Kysely } from 'kysely';

/**
 * The app's status on the portal as the OAuth server reports it (L local, F free, D demo, T trial,
 * P paid): operators see which installs are trials or unpaid. Null until an OAuth answer gave it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('portals').addColumn('app_status', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('portals').dropColumn('app_status').execute();
}
