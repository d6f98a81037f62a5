import { queryOptions, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi, type Api } from '../../lib/api';
import type { OneSendAnswer } from '../../lib/contract';
import { sendKeys, sendQueries } from '../../entities/send/api';

export const userNameKeys = {
  all: ['userNames'] as const,
  of: (ids: readonly number[]) => [...userNameKeys.all, ids.join(',')] as const,
};

export const userNameQueries = {
  /** Users' names by id, read through the frame with the admin's own token (one `user.get` call); `ids` sorted, unique. */
  of: (api: Api, ids: readonly number[]) =>
    queryOptions({
      queryKey: userNameKeys.of(ids),
      queryFn: async () => {
        const rows = await api.rest<Array<{ ID: string; NAME?: string; LAST_NAME?: string }>>('user.get', { FILTER: { ID: ids } });
        return new Map(rows.map((row) => [Number(row.ID), [row.NAME, row.LAST_NAME].filter(Boolean).join(' ') || `#${row.ID}`]));
      },
      enabled: ids.length > 0,
      staleTime: 10 * 60_000,
    }),
};

/** The history, polled while a send on it is queued or sending. */
export function useHistory() {
  const api = useApi();
  return useInfiniteQuery({
    ...sendQueries.history(api),
    refetchInterval: (query) =>
      query.state.data?.pages.some((page) => page.sends.some((send) => send.status === 'queued' || send.status === 'sending')) ? 3_000 : false,
  });
}

/** POST sends/:id/cancel (a scheduled send); every send query is refreshed after it. */
export function useCancelSend() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.request<OneSendAnswer>(`sends/${id}/cancel`, { method: 'POST', body: {} }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: sendKeys.all }),
  });
}

/** Senders' names. */
export function useUserNames(ids: readonly number[]) {
  const api = useApi();
  return useQuery(userNameQueries.of(api, [...new Set(ids)].sort((a, b) => a - b)));
}
