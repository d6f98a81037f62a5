/**
 * Row types of the application tables, as Kysely sees them. Conventions (decision 0002), the same on
 * SQLite and PostgreSQL:
 * - times are integer epoch milliseconds (`bigint` on PostgreSQL, read back as a JS number);
 * - booleans are integers 0/1;
 * - secret columns hold TokenCipher output (`v1.<keyId>.<iv>.<tag>.<ciphertext>`), never plaintext;
 *   only portalStore reads or writes them.
 */

export type InstallState = 'new' | 'installed' | 'uninstalled';
export type TokenState = 'live' | 'dead';

export interface PortalsTable {
  /** Bitrix24 `member_id`: the portal's stable identity (a portal can be renamed). */
  member_id: string;
  /** `domain` as answered by the OAuth server. */
  domain: string;
  /** `client_endpoint` from the OAuth server, e.g. `https://portal.bitrix24.com/rest/`. */
  client_endpoint: string;
  server_endpoint: string;
  /** Encrypted `application_token`; null until known. */
  application_token: string | null;
  install_state: InstallState;
  /** The registered app name in use: the title of every push. */
  app_name: string;
  app_status: string | null;
  install_finished_at: number | null;
  /** Uninstalled with CLEAN: deleted after this time (epoch ms) unless reinstalled first. */
  purge_after: number | null;
  /** An unconfirmed ONAPPUNINSTALL waiting to be checked again (epoch ms of the first); null when none. */
  uninstall_reported_at: number | null;
  /** 1 while every unconfirmed report asked to delete the data (CLEAN), 0 once one asked to keep it; null when none. */
  uninstall_report_clean: number | null;
  /** When a pending uninstall report is next checked with Bitrix24 (epoch ms); null when none. */
  uninstall_next_check_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface PortalUsersTable {
  member_id: string;
  user_id: number;
  /** 0/1 */
  is_admin: number;
  /** Encrypted. */
  access_token: string;
  /** Encrypted. */
  refresh_token: string;
  /** Epoch ms when the access token expires. */
  expires_at: number;
  scope: string;
  token_state: TokenState;
  updated_at: number;
}

export interface AppMetaTable {
  key: string;
  value: string;
  updated_at: number;
}

export interface DatabaseSchema {
  portals: PortalsTable;
  portal_users: PortalUsersTable;
  app_meta: AppMetaTable;
}
