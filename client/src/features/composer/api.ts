import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi, type Api } from '../../lib/api';
import type { MessageCheckAnswer, MessageCheckRequest, SendAnswer, SendRequest } from '../../lib/contract';
import { useDebounced } from '../../lib/useDebounced';
import type { Audience } from '../../entities/audience/selection';
import { sendKeys, sendQueries } from '../../entities/send/api';
import { FINAL_STATUSES, type SendView } from '../../entities/send/model';

/**
 * The body of POST sends (the contract's SendRequest): a test to oneself, or an audience, maybe
 * scheduled. `audience` is null while nothing is picked: the server refuses it (AUDIENCE_INVALID) and
 * the composer shows its message.
 */
export type SendInput = Pick<SendRequest, 'idempotencyKey' | 'text' | 'avatar'> & ({ testToSelf: true } | { audience: Audience | null; sendAt?: SendRequest['sendAt'] });

export const messageKeys = {
  all: ['message'] as const,
  fit: (text: string, avatar: string) => [...messageKeys.all, 'fit', text, avatar] as const,
};

export const messageQueries = {
  /** POST message/check: how a text (and avatar) fits the phones' payload caps, by the server's own rules. */
  fit: (api: Api, text: string, avatar: string) =>
    queryOptions({
      queryKey: messageKeys.fit(text, avatar),
      queryFn: ({ signal }) => api.request<MessageCheckAnswer>('message/check', { method: 'POST', body: { text, ...(avatar ? { avatar } : {}) } satisfies MessageCheckRequest, signal }),
      enabled: text.length > 0 && text !== '0',
      retry: false,
      staleTime: Infinity,
    }),
};

/** POST sends (send, test to me, schedule); every send query is refreshed after it. */
export function useSend() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: SendInput) => api.request<SendAnswer>('sends', { method: 'POST', body: input }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: sendKeys.all }),
  });
}

/** A send still running after the API answered 202: followed until it ends. */
export function useSendProgress(send: SendView | undefined) {
  const api = useApi();
  const running = send !== undefined && !FINAL_STATUSES.includes(send.status) && send.status !== 'scheduled';
  return useQuery({
    ...sendQueries.one(api, send?.id ?? ''),
    enabled: running,
    refetchInterval: (query) => (query.state.data && FINAL_STATUSES.includes(query.state.data.send.status) ? false : 1_500),
    select: (answer) => answer.send,
  });
}

/** How the text fits the phones' payload caps (debounced as the admin types). */
export function useMessageFit(text: string, avatar: string) {
  const api = useApi();
  const settled = useDebounced({ text: text.trim(), avatar: avatar.trim() }, 300);
  return useQuery({ ...messageQueries.fit(api, settled.text, settled.avatar), select: (answer) => answer.fit });
}
