import { useQuery } from '@tanstack/react-query';
import { useApi } from '../../lib/api';
import { profileQueries, type Profile } from '../../entities/employee/profile';

/** The signed-in user's `profile` (shared with the history, which reads the time zone from it). */
export { profileKeys, profileQueries, type Profile } from '../../entities/employee/profile';

/** The signed-in user. */
export function useProfile() {
  return useQuery(profileQueries.profile(useApi()));
}

export function fullName(profile: Pick<Profile, 'NAME' | 'LAST_NAME'>): string {
  return [profile.NAME, profile.LAST_NAME].filter(Boolean).join(' ');
}
