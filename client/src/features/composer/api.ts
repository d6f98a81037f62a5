import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useFrame } from '../../lib/frameContext';
import { apiRequest } from '../../lib/api';
import { useI18n } from '../../lib/i18n';
import { useDebounced } from '../../lib/useDebounced';
import type { Audience } from '../../entities/audience/selection';
import { FINAL_STATUSES, type SendView } from '../../entities/send/model';

export interface PayloadFit {
  bytes: number;
  ios: { fits: boolean; limit: number };
  android: { fits: boolean; limit: number };
}

export type SendInput = {
  idempotencyKey: string;
  text: string;
  avatar?: string;
} & ({ testToSelf: true } | { audience: Audience | null; sendAt?: string });

export function useSend() {
  const frame = useFrame();
  const { language } = useI18n();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: SendInput) => apiRequest<{ send: SendView; fit: PayloadFit }>(frame, 'sends', { method: 'POST', body: input, language }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['sends'] }),
  });
}

/** A send still running after the API answered 202: followed until it ends. */
export function useSendProgress(send: SendView | undefined) {
  const frame = useFrame();
  const { language } = useI18n();
  const running = send !== undefined && !FINAL_STATUSES.includes(send.status) && send.status !== 'scheduled';
  return useQuery({
    queryKey: ['sends', 'one', send?.id],
    queryFn: ({ signal }) => apiRequest<{ send: SendView }>(frame, `sends/${send!.id}`, { signal, language }),
    enabled: running,
    refetchInterval: (query) => (query.state.data && FINAL_STATUSES.includes(query.state.data.send.status) ? false : 1_500),
    select: (answer) => answer.send,
  });
}

/** How the text fits the phones' payload caps, by the server's own rules (debounced as the admin types). */
export function useMessageFit(text: string, avatar: string) {
  const frame = useFrame();
  const { language } = useI18n();
  const settled = useDebounced({ text: text.trim(), avatar: avatar.trim() }, 300);
  return useQuery({
    queryKey: ['message', 'fit', settled.text, settled.avatar],
    queryFn: ({ signal }) =>
      apiRequest<{ fit: PayloadFit }>(frame, 'message/check', { method: 'POST', body: { text: settled.text, ...(settled.avatar ? { avatar: settled.avatar } : {}) }, signal, language }),
    enabled: settled.text.length > 0 && settled.text !== '0',
    retry: false,
    staleTime: Infinity,
    select: (answer) => answer.fit,
  });
}
