import { queryOptions, useQuery } from '@tanstack/react-query';
import type { Api } from '../../lib/api';
import { useApi } from '../../lib/useApi';
import { useDebounced } from '../../lib/useDebounced';
import type { Employee } from '../../entities/employee/model';

/** Mirrors server/audience/recipientDirectory.ts. */
export interface Department {
  id: number;
  name: string;
  parentId: number | null;
  sort: number;
}
export interface Group {
  id: number;
  name: string;
  memberCount: number;
  project: boolean;
}

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
      queryFn: ({ signal }) => api.request<{ users: Employee[] }>(`recipients/search?q=${encodeURIComponent(q)}`, { signal }),
      enabled: q.length > 0,
      staleTime: 60_000,
    }),
  /** GET recipients/directory: the portal's departments and groups. */
  directory: (api: Api) =>
    queryOptions({
      queryKey: recipientKeys.directory(),
      queryFn: ({ signal }) => api.request<{ departments: Department[]; groups: Group[] }>('recipients/directory', { signal }),
      staleTime: 5 * 60_000,
    }),
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
