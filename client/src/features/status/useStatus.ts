import { useQuery } from '@tanstack/react-query';
import { useFrame } from '../../lib/frameContext';
import { apiRequest } from '../../lib/api';

/** Mirrors server/api/statusRoute.ts. */
export interface Status {
  user: { id: number; isAdmin: boolean };
  portal: { installState: 'new' | 'installed'; appName: string };
  callerAuthorization: 'live' | 'dead' | 'none';
  liveAdmins: number;
  missingScopes: string[];
}

export function useStatus() {
  const frame = useFrame();
  return useQuery({ queryKey: ['status'], queryFn: ({ signal }) => apiRequest<Status>(frame, 'status', { signal }) });
}
