import { sql, SqliteAdapter, type Kysely } from 'kysely';

/**
 * Scheduled sends (issue 4): `send_at` (epoch ms) on sends, and two more statuses: `scheduled` (waiting
 * for its time, holds no lease) and `cancelled` (cancelled before it started). An index finds due sends.
 *
 * The status CHECK constraint changes. PostgreSQL alters it in place. SQLite cannot alter a CHECK, so
 * `sends` is rebuilt by SQLite's documented procedure: foreign keys off (this migration runs outside a
 * transaction on SQLite), copy into a new table in one transaction, drop, rename, recreate the indexes,
 * check the foreign keys, foreign keys on. `send_chunks` rows are untouched (with foreign keys off,
 * dropping `sends` does not cascade). Do not edit once released.
 */

const STATUSES = sql`('queued', 'scheduled', 'sending', 'sent', 'partly_failed', 'failed', 'cancelled')`;

export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) await rebuildSqliteSends(db, 'up');
  else {
    await sql`alter table sends drop constraint sends_status_check`.execute(db);
    await sql`alter table sends add constraint sends_status_check check (status in ${STATUSES})`.execute(db);
    await db.schema.alterTable('sends').addColumn('send_at', 'bigint').execute();
  }
  await db.schema.createIndex('sends_due_idx').on('sends').columns(['status', 'send_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('sends_due_idx').execute();
  if (db.getExecutor().adapter instanceof SqliteAdapter) await rebuildSqliteSends(db, 'down');
  else {
    await sql`delete from sends where status in ('scheduled', 'cancelled')`.execute(db);
    await sql`alter table sends drop constraint sends_status_check`.execute(db);
    await sql`alter table sends add constraint sends_status_check check (status in ('queued', 'sending', 'sent', 'partly_failed', 'failed'))`.execute(db);
    await db.schema.alterTable('sends').dropColumn('send_at').execute();
  }
}

async function rebuildSqliteSends(db: Kysely<unknown>, direction: 'up' | 'down'): Promise<void> {
  if (direction === 'down') await sql`alter table sends drop column send_at`.execute(db);
  const created = await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = 'sends'`.execute(db);
  const original = created.rows[0]?.sql;
  if (!original) throw new Error('table sends not found');
  const oldList = direction === 'up' ? "('queued', 'sending', 'sent', 'partly_failed', 'failed')" : "('queued', 'scheduled', 'sending', 'sent', 'partly_failed', 'failed', 'cancelled')";
  const newList = direction === 'up' ? "('queued', 'scheduled', 'sending', 'sent', 'partly_failed', 'failed', 'cancelled')" : "('queued', 'sending', 'sent', 'partly_failed', 'failed')";
  if (!original.includes(oldList)) throw new Error('sends has an unexpected status constraint');
  const definition = original.replace(oldList, newList).replace(/^create table "?sends"?/i, 'create table "sends_rebuilt"');
  const columns = (await sql<{ name: string }>`select name from pragma_table_info('sends')`.execute(db)).rows.map((row) => row.name);
  const columnList = sql.join(columns.map((name) => sql.ref(name)));

  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await db.transaction().execute(async (trx) => {
      await sql.raw(definition).execute(trx);
      if (direction === 'down') await sql`delete from sends where status in ('scheduled', 'cancelled')`.execute(trx);
      await sql`insert into sends_rebuilt (${columnList}) select ${columnList} from sends`.execute(trx);
      await sql`drop table sends`.execute(trx);
      await sql`alter table sends_rebuilt rename to sends`.execute(trx);
      await sql`create index sends_history_idx on sends (member_id, created_at, id)`.execute(trx);
      await sql`create index sends_unfinished_idx on sends (status, lease_until)`.execute(trx);
      if (direction === 'up') await sql`alter table sends add column send_at bigint`.execute(trx);
      const broken = await sql`pragma foreign_key_check`.execute(trx);
      if (broken.rows.length > 0) throw new Error('foreign keys broken by the sends rebuild');
    });
  } finally {
    await sql`pragma foreign_keys = on`.execute(db);
  }
}
