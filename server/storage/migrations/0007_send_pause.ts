import type { Kysely } from 'kysely';

/**
 * A send Bitrix24 paused (`OPERATION_TIME_LIMIT`: the push method is blocked until its operating-time
 * budget is released) records until when (epoch ms); null while it is not paused. The history shows it,
 * and no process takes the send up before then. Added column, portable. Do not edit once released.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sends').addColumn('paused_until', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sends').dropColumn('paused_until').execute();
}
