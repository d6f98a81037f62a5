import { queryOptions } from '@tanstack/react-query';
import type { Api } from '../../lib/api';

/**
 * The portal's `profile` method: the signed-in user (what the browser may show; the backend checks for
 * itself). TIME_ZONE and TIME_ZONE_OFFSET are the user's Bitrix24 time zone (./timeZone.ts).
 */
export interface Profile {
  ID: string;
  ADMIN: boolean;
  NAME: string;
  LAST_NAME: string;
  PERSONAL_PHOTO?: string;
  /** The user's own zone (an IANA name), '' when they have none or it follows their browser. */
  TIME_ZONE?: string;
  /** Seconds east of UTC now in the user's zone, or else the portal's (not in the REST docs; the core answers it). */
  TIME_ZONE_OFFSET?: number | string;
}

export const profileKeys = { all: ['profile'] as const };

export const profileQueries = {
  profile: (api: Api) => queryOptions({ queryKey: profileKeys.all, queryFn: () => api.rest<Profile>('profile') }),
};
