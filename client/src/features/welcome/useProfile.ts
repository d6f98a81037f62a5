import { queryOptions, useQuery } from '@tanstack/react-query';
import { useApi, type Api } from '../../lib/api';

export interface Profile {
  ID: string;
  ADMIN: boolean;
  NAME: string;
  LAST_NAME: string;
  PERSONAL_PHOTO?: string;
}

export const profileKeys = { all: ['profile'] as const };

export const profileQueries = {
  /** The portal's `profile` method: the signed-in user (what the browser may show; the backend checks for itself). */
  profile: (api: Api) => queryOptions({ queryKey: profileKeys.all, queryFn: () => api.rest<Profile>('profile') }),
};

/** The signed-in user. */
export function useProfile() {
  return useQuery(profileQueries.profile(useApi()));
}

export function fullName(profile: Pick<Profile, 'NAME' | 'LAST_NAME'>): string {
  return [profile.NAME, profile.LAST_NAME].filter(Boolean).join(' ');
}
