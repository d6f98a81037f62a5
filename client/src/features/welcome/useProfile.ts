import { useQuery } from '@tanstack/react-query';
import { useFrame } from '../../lib/frameContext';
import { callRest } from '../../lib/frame';

export interface Profile {
  ID: string;
  ADMIN: boolean;
  NAME: string;
  LAST_NAME: string;
  PERSONAL_PHOTO?: string;
}

/** The signed-in user, from the portal's `profile` method (what the browser may show; the backend checks for itself). */
export function useProfile() {
  const frame = useFrame();
  return useQuery({ queryKey: ['profile'], queryFn: () => callRest<Profile>(frame, 'profile') });
}

export function fullName(profile: Pick<Profile, 'NAME' | 'LAST_NAME'>): string {
  return [profile.NAME, profile.LAST_NAME].filter(Boolean).join(' ');
}
