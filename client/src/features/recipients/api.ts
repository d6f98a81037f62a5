import { queryOptions, useQuery } from '@tanstack/react-query';
import { useApi, type Api } from '../../lib/api';
import type { RecipientSearchAnswer } from '../../lib/contract';
import { useDebounced } from '../../lib/useDebounced';
import { directoryQuery } from '../../entities/audience/directory';

/** What the directory offers (the contract's DepartmentChoice and GroupChoice). */
export type { DepartmentChoice as Department, GroupChoice as Group } from '../../lib/contract';

export const SEARCH_DEBOUNCE_MS = 250;

export const recipientKeys = {
  all: ['recipients'] as const,
  search: (q: string) => [...recipientKeys.all, 'search', q] as const,
  directory: () => [...recipientKeys.all, 'directory'] as const,
};

export const recipientQueries = {
  /** GET recipients/search?q=: active employees by name, position or department. */
  search: (api: Api, q: string) =>
    queryOptions({
      queryKey: recipientKeys.search(q),
      queryFn: ({ signal }) => api.request<RecipientSearchAnswer>(`recipients/search?q=${encodeURIComponent(q)}`, { signal }),
      enabled: q.length > 0,
      staleTime: 60_000,
    }),
  /** GET recipients/directory: the portal's departments and groups (an entity: History names audiences with it too). */
  directory: directoryQuery,
};

/** Employees as the admin types: debounced, and a newer query cancels the request of an older one. */
export function useEmployeeSearch(query: string) {
  const api = useApi();
  const q = useDebounced(query.trim(), SEARCH_DEBOUNCE_MS);
  return useQuery({ ...recipientQueries.search(api, q), select: (answer) => answer.users });
}

export function useRecipientDirectory(enabled: boolean) {
  const api = useApi();
  return useQuery({ ...recipientQueries.directory(api), enabled });
}
