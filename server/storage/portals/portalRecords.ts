import { sql, type Kysely, type Selectable } from 'kysely';
import type { TokenCipher } from '../../security/tokenCipher.js';
import type { DatabaseSchema, InstallState, PortalsTable } from '../schema.js';
import type { Portal, PortalStore } from '../portalStore.js';
import { context } from './cipherContexts.js';

/**
 * Portal records and the install state machine (new -> installed -> uninstalled -> new/installed, with
 * the purge of uninstalled portals' data); see portalStore.ts.
 */
export type PortalRecords = Pick<PortalStore, 'upsertPortal' | 'getPortal' | 'listPortals' | 'markInstallFinished' | 'setApplicationToken' | 'markUninstalled' | 'reportUninstall' | 'clearUninstallReport' | 'listUninstallReports' | 'claimUninstallRecheck' | 'restoreInstalled' | 'purgeUninstalled' | 'deletePortal'>;

/** A portal without a pending uninstall report (decision 0015). */
const NO_UNINSTALL_REPORT = { uninstall_reported_at: null, uninstall_report_clean: null, uninstall_next_check_at: null } as const;

export function checkMemberId(memberId: string): void {
  if (typeof memberId !== 'string' || memberId === '') throw new TypeError('memberId must be a non-empty string');
}

export function createPortalRecords(db: Kysely<DatabaseSchema>, cipher: TokenCipher, now: () => number): PortalRecords {
  function toPortal(row: Selectable<PortalsTable>): Portal {
    return {
      memberId: row.member_id,
      domain: row.domain,
      clientEndpoint: row.client_endpoint,
      serverEndpoint: row.server_endpoint,
      applicationToken: row.application_token === null ? null : cipher.decrypt(row.application_token, context.applicationToken(row.member_id)),
      installState: row.install_state,
      appName: row.app_name,
      appStatus: row.app_status,
      installFinishedAt: row.install_finished_at === null ? null : Number(row.install_finished_at),
      purgeAfter: row.purge_after === null ? null : Number(row.purge_after),
      uninstallReport: row.uninstall_reported_at === null ? null : { reportedAt: Number(row.uninstall_reported_at), clean: Number(row.uninstall_report_clean) === 1 },
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
    };
  }

  return {
    async upsertPortal(input) {
      checkMemberId(input.memberId);
      const timestamp = now();
      const token = input.applicationToken ?? null;
      const row = await db
        .insertInto('portals')
        .values({
          member_id: input.memberId,
          domain: input.domain,
          client_endpoint: input.clientEndpoint,
          server_endpoint: input.serverEndpoint,
          application_token: token === null ? null : cipher.encrypt(token, context.applicationToken(input.memberId)),
          install_state: 'new',
          app_name: input.appName,
          app_status: input.appStatus ?? null,
          install_finished_at: null,
          purge_after: null,
          ...NO_UNINSTALL_REPORT,
          created_at: timestamp,
          updated_at: timestamp,
        })
        .onConflict((conflict) =>
          conflict.column('member_id').doUpdateSet((eb) => {
            const wasUninstalled = eb('portals.install_state', '=', 'uninstalled');
            return {
              domain: eb.ref('excluded.domain'),
              client_endpoint: eb.ref('excluded.client_endpoint'),
              server_endpoint: eb.ref('excluded.server_endpoint'),
              app_name: eb.ref('excluded.app_name'),
              app_status: sql<string | null>`coalesce(excluded.app_status, portals.app_status)`,
              updated_at: eb.ref('excluded.updated_at'),
              // A reinstall after uninstall starts over; otherwise the state is kept.
              install_state: sql<InstallState>`case when ${wasUninstalled} then 'new' else portals.install_state end`,
              install_finished_at: sql<number | null>`case when ${wasUninstalled} then null else portals.install_finished_at end`,
              purge_after: sql<number | null>`null`,
              // Bitrix24 vouched for this portal's install or opening just now: the app is there.
              ...NO_UNINSTALL_REPORT,
              application_token:
                token === null
                  ? sql<string | null>`case when ${wasUninstalled} then null else portals.application_token end`
                  : eb.ref('excluded.application_token'),
            };
          }),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
      return toPortal(row);
    },

    async getPortal(memberId) {
      const row = await db.selectFrom('portals').selectAll().where('member_id', '=', memberId).executeTakeFirst();
      return row ? toPortal(row) : null;
    },

    async listPortals() {
      const rows = await db
        .selectFrom('portals')
        .leftJoin('portal_users', (join) =>
          join.onRef('portal_users.member_id', '=', 'portals.member_id').on('portal_users.is_admin', '=', 1).on('portal_users.token_state', '=', 'live'),
        )
        .select((eb) => [
          'portals.member_id',
          'portals.domain',
          'portals.install_state',
          'portals.app_status',
          'portals.install_finished_at',
          'portals.created_at',
          'portals.uninstall_reported_at',
          eb.fn.count<number>('portal_users.user_id').as('live_admins'),
        ])
        .groupBy(['portals.member_id', 'portals.domain', 'portals.install_state', 'portals.app_status', 'portals.install_finished_at', 'portals.created_at', 'portals.uninstall_reported_at'])
        .orderBy('portals.created_at', 'asc')
        .execute();
      return rows.map((row) => ({
        memberId: row.member_id,
        domain: row.domain,
        installState: row.install_state,
        appStatus: row.app_status,
        installFinishedAt: row.install_finished_at === null ? null : Number(row.install_finished_at),
        createdAt: Number(row.created_at),
        liveAdmins: Number(row.live_admins),
        uninstallReportedAt: row.uninstall_reported_at === null ? null : Number(row.uninstall_reported_at),
      }));
    },

    async markInstallFinished(memberId) {
      const timestamp = now();
      const result = await db
        .updateTable('portals')
        .set({
          install_state: 'installed',
          install_finished_at: sql<number>`coalesce(install_finished_at, ${timestamp})`,
          updated_at: timestamp,
        })
        .where('member_id', '=', memberId)
        .where('install_state', '!=', 'uninstalled')
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async setApplicationToken(memberId, applicationToken) {
      checkMemberId(memberId);
      if (typeof applicationToken !== 'string' || applicationToken === '') throw new TypeError('applicationToken must be a non-empty string');
      const result = await db
        .updateTable('portals')
        .set({ application_token: cipher.encrypt(applicationToken, context.applicationToken(memberId)), updated_at: now() })
        .where('member_id', '=', memberId)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async markUninstalled(memberId, { purgeAfter = null } = {}) {
      // Users' tokens are left as they are: Bitrix24 refuses them now anyway, and if this was a mistake
      // (an admin reopens the app) the other admins' scheduled sends must still work.
      const result = await db
        .updateTable('portals')
        .set({ install_state: 'uninstalled', purge_after: purgeAfter === null ? null : Math.trunc(purgeAfter), ...NO_UNINSTALL_REPORT, updated_at: now() })
        .where('member_id', '=', memberId)
        .where('install_state', '!=', 'uninstalled')
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async reportUninstall(memberId, { clean, at, nextCheckAt }) {
      const timestamp = Math.trunc(at);
      // The first report's time stays; one report asking to keep the data outweighs any asking to delete it.
      const result = await db
        .updateTable('portals')
        .set({
          uninstall_reported_at: sql<number>`coalesce(uninstall_reported_at, ${timestamp})`,
          uninstall_report_clean: sql<number>`case when uninstall_reported_at is null then ${clean ? 1 : 0} when ${clean ? 1 : 0} = 0 then 0 else uninstall_report_clean end`,
          uninstall_next_check_at: sql<number>`coalesce(uninstall_next_check_at, ${Math.trunc(nextCheckAt)})`,
          updated_at: timestamp,
        })
        .where('member_id', '=', memberId)
        .where('install_state', '!=', 'uninstalled')
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async clearUninstallReport(memberId) {
      const result = await db
        .updateTable('portals')
        .set({ ...NO_UNINSTALL_REPORT, updated_at: now() })
        .where('member_id', '=', memberId)
        .where('uninstall_reported_at', 'is not', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async listUninstallReports(dueBy, limit) {
      const rows = await db
        .selectFrom('portals')
        .select(['member_id', 'uninstall_reported_at', 'uninstall_report_clean', 'uninstall_next_check_at'])
        .where('uninstall_reported_at', 'is not', null)
        .where('install_state', '!=', 'uninstalled')
        .where('uninstall_next_check_at', '<=', Math.trunc(dueBy))
        .orderBy('uninstall_next_check_at', 'asc')
        .limit(Math.max(1, Math.trunc(limit)))
        .execute();
      return rows.map((row) => ({
        memberId: row.member_id,
        reportedAt: Number(row.uninstall_reported_at),
        clean: Number(row.uninstall_report_clean) === 1,
        nextCheckAt: Number(row.uninstall_next_check_at),
      }));
    },

    async claimUninstallRecheck(memberId, seen, nextCheckAt) {
      const result = await db
        .updateTable('portals')
        .set({ uninstall_next_check_at: Math.trunc(nextCheckAt) })
        .where('member_id', '=', memberId)
        .where('uninstall_next_check_at', '=', Math.trunc(seen))
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async restoreInstalled(memberId) {
      const timestamp = now();
      const result = await db
        .updateTable('portals')
        .set({ install_state: 'installed', purge_after: null, ...NO_UNINSTALL_REPORT, install_finished_at: sql<number>`coalesce(install_finished_at, ${timestamp})`, updated_at: timestamp })
        .where('member_id', '=', memberId)
        .where('install_state', '=', 'uninstalled')
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async purgeUninstalled(at) {
      const rows = await db
        .deleteFrom('portals')
        .where('install_state', '=', 'uninstalled')
        .where('purge_after', 'is not', null)
        .where('purge_after', '<=', Math.trunc(at))
        .returning('member_id')
        .execute();
      return rows.map((row) => row.member_id);
    },

    async deletePortal(memberId) {
      const result = await db.deleteFrom('portals').where('member_id', '=', memberId).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}
