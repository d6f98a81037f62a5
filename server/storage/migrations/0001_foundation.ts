import { sql, type Kysely } from 'kysely';

/**
 * Foundation schema: portals (keyed by member_id), per-user OAuth tokens, app metadata.
 * Portable across SQLite and PostgreSQL: text, integer, bigint (epoch ms), 0/1 booleans, named
 * constraints. Do not edit once released: add a new migration instead.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('portals')
    .addColumn('member_id', 'text', (col) => col.primaryKey())
    .addColumn('domain', 'text', (col) => col.notNull())
    .addColumn('client_endpoint', 'text', (col) => col.notNull())
    .addColumn('server_endpoint', 'text', (col) => col.notNull())
    .addColumn('application_token', 'text')
    .addColumn('install_state', 'text', (col) => col.notNull().defaultTo('new'))
    .addColumn('app_name', 'text', (col) => col.notNull())
    .addColumn('install_finished_at', 'bigint')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .addCheckConstraint('portals_install_state_check', sql`install_state in ('new', 'installed', 'uninstalled')`)
    .execute();

  await db.schema
    .createTable('portal_users')
    .addColumn('member_id', 'text', (col) => col.notNull())
    .addColumn('user_id', 'integer', (col) => col.notNull())
    .addColumn('is_admin', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('access_token', 'text', (col) => col.notNull())
    .addColumn('refresh_token', 'text', (col) => col.notNull())
    .addColumn('expires_at', 'bigint', (col) => col.notNull())
    .addColumn('scope', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('token_state', 'text', (col) => col.notNull().defaultTo('live'))
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .addPrimaryKeyConstraint('portal_users_pk', ['member_id', 'user_id'])
    .addForeignKeyConstraint('portal_users_portal_fk', ['member_id'], 'portals', ['member_id'], (fk) => fk.onDelete('cascade'))
    .addCheckConstraint('portal_users_is_admin_check', sql`is_admin in (0, 1)`)
    .addCheckConstraint('portal_users_token_state_check', sql`token_state in ('live', 'dead')`)
    .execute();

  await db.schema
    .createTable('app_meta')
    .addColumn('key', 'text', (col) => col.primaryKey())
    .addColumn('value', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('app_meta').execute();
  await db.schema.dropTable('portal_users').execute();
  await db.schema.dropTable('portals').execute();
}
