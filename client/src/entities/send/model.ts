import type { Audience } from '../audience/selection';

export type SendStatus = 'queued' | 'scheduled' | 'sending' | 'sent' | 'partly_failed' | 'failed' | 'cancelled';
export const FINAL_STATUSES: readonly SendStatus[] = ['sent', 'partly_failed', 'failed', 'cancelled'];

/** Mirrors SendView in server/api/sendRoutes.ts. */
export interface SendView {
  id: string;
  createdAt: number;
  senderId: number;
  text: string;
  avatar: string | null;
  audience: Audience | null;
  testToSelf: boolean;
  status: SendStatus;
  sendAt?: number | null;
  recipientCount: number | null;
  acceptedCount: number;
  failedCount: number;
  uncertainCount: number;
  pendingCount: number;
  error: { code: string; message: string; retryable: boolean } | null;
  finishedAt: number | null;
  /** Bitrix24 paused the send (a method's operating-time budget is used up); it resumes by itself then. */
  pausedUntil?: number | null;
}
