import type { Kysely } from 'kysely';

/**
 * An ONAPPUNINSTALL that Bitrix24 could neither confirm nor deny (decision 0015) is kept as a report to
 * check again later: when it first arrived (epoch ms) and whether every report asked to delete the data
 * (1) or one asked to keep it (0), and when it is next checked (the process that moves this time on
 * checks it). Null while there is none. Added columns, portable. Do not edit once released.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('portals').addColumn('uninstall_reported_at', 'bigint').execute();
  await db.schema.alterTable('portals').addColumn('uninstall_report_clean', 'integer').execute();
  await db.schema.alterTable('portals').addColumn('uninstall_next_check_at', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('portals').dropColumn('uninstall_next_check_at').execute();
  await db.schema.alterTable('portals').dropColumn('uninstall_report_clean').execute();
  await db.schema.alterTable('portals').dropColumn('uninstall_reported_at').execute();
}
