import { useQuery } from '@tanstack/react-query';
import { useFrame } from '../../lib/frameContext';
import { apiRequest } from '../../lib/api';
import { useI18n } from '../../lib/i18n';
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

/** Employees as the admin types: debounced, and a newer query cancels the request of an older one. */
export function useEmployeeSearch(query: string) {
  const frame = useFrame();
  const { language } = useI18n();
  const q = useDebounced(query.trim(), SEARCH_DEBOUNCE_MS);
  return useQuery({
    queryKey: ['recipients', 'search', q],
    queryFn: ({ signal }) => apiRequest<{ users: Employee[] }>(frame, `recipients/search?q=${encodeURIComponent(q)}`, { signal, language }),
    enabled: q.length > 0,
    staleTime: 60_000,
    select: (answer) => answer.users,
  });
}

export function useRecipientDirectory(enabled: boolean) {
  const frame = useFrame();
  const { language } = useI18n();
  return useQuery({
    queryKey: ['recipients', 'directory'],
    queryFn: ({ signal }) => apiRequest<{ departments: Department[]; groups: Group[] }>(frame, 'recipients/directory', { signal, language }),
    enabled,
    staleTime: 5 * 60_000,
  });
}
