import { queryOptions } from '@tanstack/react-query';
import type { Api } from '../../lib/api';
import type { RecipientDirectory } from '../../lib/contract';

/** GET recipients/directory: the portal's departments and groups (the picker offers them; History and "send again" name audiences with them). */
export const directoryQuery = (api: Api) =>
  queryOptions({
    queryKey: ['recipients', 'directory'] as const,
    queryFn: ({ signal }) => api.request<RecipientDirectory>('recipients/directory', { signal }),
    staleTime: 5 * 60_000,
  });
