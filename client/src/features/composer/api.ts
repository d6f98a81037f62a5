import { useMutation } from '@tanstack/react-query';
import { useFrame } from '../../app/frameContext';
import { apiRequest } from '../../lib/api';
import { useI18n } from '../../lib/i18n';

/** Mirrors SendView in server/api/sendRoutes.ts (the fields the composer shows). */
export interface SendView {
  id: string;
  status: 'queued' | 'sending' | 'sent' | 'partly_failed' | 'failed';
  recipientCount: number | null;
  acceptedCount: number;
  failedCount: number;
  uncertainCount: number;
  error: { code: string; message: string } | null;
}

export interface SendInput {
  idempotencyKey: string;
  text: string;
  avatar?: string;
  testToSelf: true;
}

export function useSend() {
  const frame = useFrame();
  const { language } = useI18n();
  return useMutation({
    mutationFn: (input: SendInput) => apiRequest<{ send: SendView }>(frame, 'sends', { method: 'POST', body: input, language }),
  });
}
