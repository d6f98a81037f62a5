import { queryOptions, useQuery } from '@tanstack/react-query';
import { useApi, type Api } from '../../lib/api';
import type { StatusAnswer } from '../../lib/contract';

export const statusKeys = { all: ['status'] as const };

export const statusQueries = {
  /** GET status: the caller, the portal's install state and the app's stored authorization. */
  status: (api: Api) => queryOptions({ queryKey: statusKeys.all, queryFn: ({ signal }) => api.request<StatusAnswer>('status', { signal }) }),
};

export function useStatus() {
  return useQuery(statusQueries.status(useApi()));
}
