import { useMemo } from 'react';
import { keepPreviousData, queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi, type Api } from '../../lib/api';
import type { MessageCheckAnswer, MessageCheckRequest, PayloadFit, SendAnswer, SendRequest } from '../../lib/contract';
import { useDebounced } from '../../lib/useDebounced';
import type { Audience } from '../../entities/audience/selection';
import { sendKeys, sendQueries } from '../../entities/send/api';
import { FINAL_STATUSES, type SendView } from '../../entities/send/model';

/**
 * The body of POST sends (the contract's SendRequest): a test to oneself, or an audience, maybe
 * scheduled. `audience` is null while nothing is picked: the server refuses it (AUDIENCE_INVALID) and
 * the composer shows its message. `shortenForIphone` only when the admin chose to send a text too long
 * for iPhones shortened for everyone.
 */
export type SendInput = Pick<SendRequest, 'idempotencyKey' | 'text' | 'avatar' | 'shortenForIphone'> &
  ({ testToSelf: true } | { audience: Audience | null; sendAt?: SendRequest['sendAt'] });

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

/** What POST sends answered; `replayed`: the idempotency key had already been used, so nothing new was sent (header `Idempotent-Replayed`). */
export interface SendOutcome {
  answer: SendAnswer;
  replayed: boolean;
}

/** POST sends (send, test to me, schedule); every send query is refreshed after it. */
export function useSend() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (input: SendInput): Promise<SendOutcome> => {
      const { body, headers } = await api.exchange<SendAnswer>('sends', { method: 'POST', body: input });
      return { answer: body, replayed: headers.get('Idempotent-Replayed') === 'true' };
    },
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

export interface MessageFit {
  /** The last answer, maybe for a text the admin has changed since (counters that should not flicker). */
  latest: PayloadFit | undefined;
  /** The answer for the text and avatar as they are now; undefined while it is being asked for. */
  current: PayloadFit | undefined;
}

/** How the text fits the phones' payload caps and what an iPhone shows of it (debounced as the admin types). */
export function useMessageFit(text: string, avatar: string): MessageFit {
  const api = useApi();
  const wanted = useMemo(() => ({ text: text.trim(), avatar: avatar.trim() }), [text, avatar]);
  const settled = useDebounced(wanted, 300);
  const query = useQuery({ ...messageQueries.fit(api, settled.text, settled.avatar), select: (answer) => answer.fit, placeholderData: keepPreviousData });
  // An empty text is not weighed (the server refuses it as empty): nothing from an earlier text may linger.
  if (wanted.text === '' || wanted.text === '0') return { latest: undefined, current: undefined };
  const upToDate = !query.isPlaceholderData && settled.text === wanted.text && settled.avatar === wanted.avatar;
  return { latest: query.data, current: upToDate ? query.data : undefined };
}
