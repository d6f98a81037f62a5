import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useFrame } from '../../lib/frameContext';
import { apiRequest } from '../../lib/api';
import { callRest } from '../../lib/frame';
import { useI18n } from '../../lib/i18n';
import type { SendView } from '../../entities/send/model';

export const HISTORY_PAGE = 20;

export function useHistory() {
  const frame = useFrame();
  const { language } = useI18n();
  return useInfiniteQuery({
    queryKey: ['sends', 'history'],
    queryFn: ({ pageParam, signal }) =>
      apiRequest<{ sends: SendView[]; nextBefore: string | null }>(frame, `sends?limit=${HISTORY_PAGE}${pageParam ? `&before=${pageParam}` : ''}`, { signal, language }),
    initialPageParam: '',
    getNextPageParam: (page) => page.nextBefore ?? undefined,
    refetchInterval: (query) =>
      query.state.data?.pages.some((page) => page.sends.some((send) => send.status === 'queued' || send.status === 'sending')) ? 3_000 : false,
  });
}

export function useCancelSend() {
  const frame = useFrame();
  const { language } = useI18n();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiRequest<{ send: SendView }>(frame, `sends/${id}/cancel`, { method: 'POST', body: {}, language }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['sends'] }),
  });
}

/** Senders' names, read through the frame with the admin's own token (one `user.get` call). */
export function useUserNames(ids: readonly number[]) {
  const frame = useFrame();
  const unique = [...new Set(ids)].sort((a, b) => a - b);
  return useQuery({
    queryKey: ['userNames', unique.join(',')],
    queryFn: async () => {
      const rows = await callRest<Array<{ ID: string; NAME?: string; LAST_NAME?: string }>>(frame, 'user.get', { FILTER: { ID: unique } });
      return new Map(rows.map((row) => [Number(row.ID), [row.NAME, row.LAST_NAME].filter(Boolean).join(' ') || `#${row.ID}`]));
    },
    enabled: unique.length > 0,
    staleTime: 10 * 60_000,
  });
}
