import { sql, type Kysely } from 'kysely';

/**
 * Sends and their chunks (issue 4). A send is recorded (`queued`) before its audience is resolved or
 * anything is pushed; its chunks are recorded (`pending`) before the first push. A chunk moves
 * `pending -> sending` by a conditional update, exactly once, before its REST call: that row change is
 * what guarantees no chunk is ever pushed twice, also across processes and after a crash.
 * Portable across SQLite and PostgreSQL (decision 0002). Do not edit once released.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sends')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('member_id', 'text', (col) => col.notNull())
    .addColumn('sender_id', 'integer', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('idempotency_key', 'text', (col) => col.notNull())
    /** sha256 of the request's content: a key reused for another message is refused. */
    .addColumn('request_hash', 'text', (col) => col.notNull())
    .addColumn('text', 'text', (col) => col.notNull())
    .addColumn('avatar', 'text')
    /** The audience as submitted (JSON), null for a test send to oneself. */
    .addColumn('audience', 'text')
    .addColumn('test_to_self', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('recipient_count', 'integer')
    .addColumn('status', 'text', (col) => col.notNull())
    /** Bitrix24's error code (or one of server/send/sendErrors.ts), mapped through the error table on output. */
    .addColumn('error_code', 'text')
    .addColumn('finished_at', 'bigint')
    /** Until when the process running this send owns it; recovery takes over sends whose lease ran out. */
    .addColumn('lease_until', 'bigint')
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .addUniqueConstraint('sends_idempotency_key_unique', ['member_id', 'idempotency_key'])
    .addForeignKeyConstraint('sends_portal_fk', ['member_id'], 'portals', ['member_id'], (fk) => fk.onDelete('cascade'))
    .addCheckConstraint('sends_status_check', sql`status in ('queued', 'sending', 'sent', 'partly_failed', 'failed')`)
    .addCheckConstraint('sends_test_to_self_check', sql`test_to_self in (0, 1)`)
    .execute();
  await db.schema.createIndex('sends_history_idx').on('sends').columns(['member_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('sends_unfinished_idx').on('sends').columns(['status', 'lease_until']).execute();

  await db.schema
    .createTable('send_chunks')
    .addColumn('send_id', 'text', (col) => col.notNull())
    .addColumn('chunk_index', 'integer', (col) => col.notNull())
    /** JSON array of user ids, as passed in USER_ID. */
    .addColumn('user_ids', 'text', (col) => col.notNull())
    .addColumn('size', 'integer', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('error_code', 'text')
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .addPrimaryKeyConstraint('send_chunks_pk', ['send_id', 'chunk_index'])
    .addForeignKeyConstraint('send_chunks_send_fk', ['send_id'], 'sends', ['id'], (fk) => fk.onDelete('cascade'))
    .addCheckConstraint('send_chunks_status_check', sql`status in ('pending', 'sending', 'accepted', 'failed', 'uncertain')`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('send_chunks').execute();
  await db.schema.dropTable('sends').execute();
}
