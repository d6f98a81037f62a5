import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi } from '../../lib/api';
import type { OneSendAnswer } from '../../lib/contract';
import { sendKeys, sendQueries } from '../../entities/send/api';
import { portalUserQueries } from '../../entities/employee/api';

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
  return useQuery({ ...portalUserQueries.of(api, [...new Set(ids)].sort((a, b) => a - b)), select: (users) => new Map([...users].map(([id, user]) => [id, user.name])) });
}
