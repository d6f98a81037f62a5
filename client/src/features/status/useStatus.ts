import { queryOptions, useQuery } from '@tanstack/react-query';
import type { Api } from '../../lib/api';
import { useApi } from '../../lib/useApi';

/** Mirrors server/api/statusRoute.ts. */
export interface Status {
  user: { id: number; isAdmin: boolean };
  portal: { installState: 'new' | 'installed'; appName: string };
  callerAuthorization: 'live' | 'dead' | 'none';
  liveAdmins: number;
  missingScopes: string[];
}

export const statusKeys = { all: ['status'] as const };

export const statusQueries = {
  /** GET status: the caller, the portal's install state and the app's stored authorization. */
  status: (api: Api) => queryOptions({ queryKey: statusKeys.all, queryFn: ({ signal }) => api.request<Status>('status', { signal }) }),
};

export function useStatus() {
  return useQuery(statusQueries.status(useApi()));
}
