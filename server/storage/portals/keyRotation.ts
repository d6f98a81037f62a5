import type { Kysely } from 'kysely';
import type { TokenCipher } from '../../security/tokenCipher.js';
import type { DatabaseSchema } from '../schema.js';
import type { PortalStore, ReencryptionReport } from '../portalStore.js';
import { context } from './cipherContexts.js';

/** Key rotation: every stored secret not under the current key is encrypted again with it. */
export type KeyRotation = Pick<PortalStore, 'reencryptTokens'>;

export function createKeyRotation(db: Kysely<DatabaseSchema>, cipher: TokenCipher): KeyRotation {
  return {
    async reencryptTokens() {
      const report: ReencryptionReport = { reencrypted: 0, alreadyCurrent: 0, unreadable: 0 };
      /** The new value for `stored`, or null when it is current (counted) or unreadable (counted). */
      const rotated = (stored: string, where: string): string | null => {
        if (!cipher.needsReencryption(stored)) {
          report.alreadyCurrent += 1;
          return null;
        }
        try {
          return cipher.encrypt(cipher.decrypt(stored, where), where);
        } catch {
          report.unreadable += 1;
          return null;
        }
      };
      const portals = await db.selectFrom('portals').select(['member_id', 'application_token']).where('application_token', 'is not', null).execute();
      for (const row of portals) {
        const next = rotated(row.application_token!, context.applicationToken(row.member_id));
        if (next === null) continue;
        const result = await db
          .updateTable('portals')
          .set({ application_token: next })
          .where('member_id', '=', row.member_id)
          .where('application_token', '=', row.application_token)
          .executeTakeFirst();
        if (result.numUpdatedRows > 0n) report.reencrypted += 1;
      }
      const users = await db.selectFrom('portal_users').select(['member_id', 'user_id', 'access_token', 'refresh_token']).execute();
      for (const row of users) {
        const userId = Number(row.user_id);
        const access = rotated(row.access_token, context.accessToken(row.member_id, userId));
        const refresh = rotated(row.refresh_token, context.refreshToken(row.member_id, userId));
        if (access === null && refresh === null) continue;
        const result = await db
          .updateTable('portal_users')
          .set({ access_token: access ?? row.access_token, refresh_token: refresh ?? row.refresh_token })
          .where('member_id', '=', row.member_id)
          .where('user_id', '=', row.user_id)
          .where('access_token', '=', row.access_token)
          .where('refresh_token', '=', row.refresh_token)
          .executeTakeFirst();
        if (result.numUpdatedRows > 0n) report.reencrypted += (access === null ? 0 : 1) + (refresh === null ? 0 : 1);
      }
      return report;
    },
  };
}
