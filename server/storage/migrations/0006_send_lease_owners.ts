import type { Kysely } from 'kysely';

/**
 * Who holds what (issue 11): `sends.lease_owner` names the process whose lease `lease_until` is, so a
 * heartbeat renews and a stopping process releases only its own lease; `send_chunks.claimed_by` names
 * the claim that moved a chunk to `sending`, so a claim whose answer was lost with its connection can
 * be told apart from another process's. Both are null when nobody holds the row. Portable across
 * SQLite and PostgreSQL (added columns, no constraint). Do not edit once released.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sends').addColumn('lease_owner', 'text').execute();
  await db.schema.alterTable('send_chunks').addColumn('claimed_by', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('send_chunks').dropColumn('claimed_by').execute();
  await db.schema.alterTable('sends').dropColumn('lease_owner').execute();
}
