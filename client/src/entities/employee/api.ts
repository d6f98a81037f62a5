import { queryOptions } from '@tanstack/react-query';
import type { Api } from '../../lib/api';

/** A user as the portal knows them now: a name, and whether they are still active (not dismissed). */
export interface PortalUser {
  id: number;
  name: string;
  active: boolean;
}

/** `user.get` answers 50 rows a page. */
const USER_GET_PAGE = 50;

export const portalUserKeys = {
  all: ['portalUsers'] as const,
  of: (ids: readonly number[]) => [...portalUserKeys.all, ids.join(',')] as const,
};

/** `user.get` rows as the portal answers them (ACTIVE is a boolean, or "Y"/"N" on older portals). */
type UserRow = { ID: string; NAME?: string; LAST_NAME?: string; ACTIVE?: boolean | string };

export function portalUserOf(row: UserRow): PortalUser {
  const name = [row.NAME, row.LAST_NAME].filter(Boolean).join(' ') || `#${row.ID}`;
  return { id: Number(row.ID), name, active: row.ACTIVE !== false && row.ACTIVE !== 'N' };
}

export const portalUserQueries = {
  /**
   * Users by id (`ids` sorted, unique), read through the frame with the admin's own token: one `user.get`
   * call per page of 50, in administrator mode (any user). Without an ACTIVE filter `user.get` answers
   * dismissed users too (ACTIVE false); bots, e-mail and Open Channels users never (bitrix24/b24restdocs
   * api-reference/user/user-get.md). A user it does not answer is absent from the map.
   */
  of: (api: Api, ids: readonly number[]) =>
    queryOptions({
      queryKey: portalUserKeys.of(ids),
      queryFn: async () => {
        const users = new Map<number, PortalUser>();
        for (let start = 0; start < ids.length; start += USER_GET_PAGE) {
          const rows = await api.rest<UserRow[]>('user.get', { FILTER: { ID: ids.slice(start, start + USER_GET_PAGE) }, ADMIN_MODE: true });
          for (const row of rows) users.set(Number(row.ID), portalUserOf(row));
        }
        return users;
      },
      enabled: ids.length > 0,
      staleTime: 10 * 60_000,
    }),
};
