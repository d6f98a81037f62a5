import type { Kysely } from 'kysely';

/**
 * A portal uninstalled with CLEAN is deleted only after a grace period (decision 0008): `purge_after`
 * is when (epoch ms); null while the portal is installed or was uninstalled keeping its data.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('portals').addColumn('purge_after', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('portals').dropColumn('purge_after').execute();
}
