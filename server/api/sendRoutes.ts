import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Language } from '../bitrix/errorCatalog.js';
import { FINAL_SEND_STATUSES, type ChunkTotals, type SendRecord, type SendStore } from '../storage/sendStore.js';
import { messageCheckSchema, payloadFit, scheduleProblem, sendRequestSchema, validationFailure, type PayloadFit } from '../send/messageSchema.js';
import { IdempotencyConflictError, type SendPipeline } from '../send/sendPipeline.js';
import { describeSendError } from '../send/sendErrors.js';
import { requireAdmin } from './frameAuth.js';
import { requestLanguage } from './requestLanguage.js';
import { methodsOnly } from '../http/methodNotAllowed.js';

/**
 * The send API for the frame (admins only: Bitrix24 itself accepts pushes only from admins, and the
 * history shows what was sent to whom):
 * - `POST /api/sends` {idempotencyKey, text, avatar?, audience?, testToSelf?} -> 201 (new), 200 (replay
 *   of a finished send), 202 (still running after `answerWithinMs`; poll `GET /api/sends/:id`), or the
 *   error table's status with `{error, message, send, fit}` when the send failed as a whole;
 * - `GET /api/sends?limit=&before=` -> `{sends, nextBefore}`, newest first, this portal only;
 * - `GET /api/sends/:id` -> `{send}` (404 for another portal's);
 * - `POST /api/message/check` {text, avatar?} -> `{fit}`;
 * - with `sendAt` (ISO 8601 with an explicit offset or Z, 1 minute to 1 calendar year ahead; a naive
 *   local time, a test to oneself or a time out of range is a 400 naming `sendAt`) `POST /api/sends`
 *   records the send as `scheduled` (201, the view carries `sendAt` in epoch ms and `sendAtIso`) and the
 *   scheduler starts it when due, re-checking that its sender is still an administrator (else `failed`,
 *   SENDER_NOT_ADMIN);
 * - `POST /api/sends/:id/cancel` (admins, this portal) -> 200 `{send}` now `cancelled`; 404 for an unknown
 *   or another portal's send; 409 NOT_CANCELLABLE `{message, send}` once it started, finished or was
 *   already cancelled.
 * "accepted" is all Bitrix24 tells us: it never reports delivery.
 */

export interface SendRoutesDeps {
  sendStore: SendStore;
  /** Null when the app has no Bitrix24 credentials configured (nothing can be sent). */
  pipeline: SendPipeline | null;
  /** server/audience's schema for the `audience` field. */
  audienceSchema: z.ZodType;
  /** How long `POST /api/sends` waits for the send to finish before answering 202 (default 20 s). */
  answerWithinMs?: number;
  now?: () => number;
}

export interface SendErrorView {
  code: string;
  message: string;
  retryable: boolean;
  /** Bitrix24's own code (or our send error code) behind `code`, for support. */
  source: string;
}

export interface SendView {
  id: string;
  createdAt: number;
  senderId: number;
  text: string;
  avatar: string | null;
  audience: unknown;
  testToSelf: boolean;
  status: SendRecord['status'];
  /** Recipients after resolution (null until resolved). */
  recipientCount: number | null;
  /** Recipients whose push Bitrix24 accepted (not: delivered). */
  acceptedCount: number;
  failedCount: number;
  /** Recipients whose push may or may not have been accepted (not repeated, to avoid duplicates). */
  uncertainCount: number;
  pendingCount: number;
  error: SendErrorView | null;
  finishedAt: number | null;
  /** When a scheduled send is (or was) due, epoch ms; null for one sent at once. */
  sendAt: number | null;
  /** The same moment as ISO 8601 in UTC (`…Z`); null for one sent at once. */
  sendAtIso: string | null;
  /** Bitrix24 blocked the push method (OPERATION_TIME_LIMIT): the send waits and resumes by itself then (epoch ms); null otherwise. */
  pausedUntil: number | null;
}

const EMPTY_TOTALS: ChunkTotals = { pending: 0, sending: 0, accepted: 0, failed: 0, uncertain: 0 };
const SEND_ID = /^[0-9a-f-]{36}$/i;

const historyQuery = z.strictObject({
  limit: z.coerce.number({ error: 'limit must be a number' }).int().min(1).max(100).default(20),
  before: z.string().regex(SEND_ID, 'before must be a send id').optional(),
});

export function toSendView(send: SendRecord, totals: ChunkTotals, language: Language): SendView {
  let error: SendErrorView | null = null;
  if (send.errorCode) {
    const entry = describeSendError(send.errorCode);
    // Nothing refused, only unanswered: the table's "try again" would risk duplicates.
    const onlyUncertain = totals.failed === 0 && totals.uncertain > 0;
    const message = onlyUncertain ? describeSendError('PUSH_OUTCOME_UNKNOWN').message[language] : entry.message[language];
    error = { code: entry.apiCode, message, retryable: onlyUncertain ? false : entry.retryable, source: send.errorCode };
  }
  return {
    id: send.id,
    createdAt: send.createdAt,
    senderId: send.senderId,
    text: send.text,
    avatar: send.avatar,
    audience: send.audience,
    testToSelf: send.testToSelf,
    status: send.status,
    recipientCount: send.recipientCount,
    acceptedCount: totals.accepted,
    failedCount: totals.failed,
    uncertainCount: totals.uncertain,
    pendingCount: totals.pending + totals.sending,
    error,
    finishedAt: send.finishedAt,
    sendAt: send.sendAt,
    sendAtIso: send.sendAt === null ? null : new Date(send.sendAt).toISOString(),
    pausedUntil: send.pausedUntil,
  };
}

function badRequest(res: Response, error: z.ZodError): void {
  res.status(400).json(validationFailure(error));
}

export function sendRoutes(deps: SendRoutesDeps): Router {
  const router = Router();
  const schema = sendRequestSchema(deps.audienceSchema);
  const answerWithinMs = deps.answerWithinMs ?? 20_000;
  const now = deps.now ?? Date.now;

  async function view(send: SendRecord, language: Language): Promise<SendView> {
    const totals = await deps.sendStore.chunkTotals([send.id]);
    return toSendView(send, totals.get(send.id) ?? EMPTY_TOTALS, language);
  }

  router.route('/message/check').all(methodsOnly('POST')).post(requireAdmin, (req, res) => {
    const parsed = messageCheckSchema.safeParse(req.body);
    if (!parsed.success) return badRequest(res, parsed.error);
    const fit: PayloadFit = payloadFit(req.caller!.portal.appName, parsed.data.text, parsed.data.avatar);
    res.json({ fit });
  });

  router.route('/sends').all(methodsOnly('GET', 'POST')).post(requireAdmin, async (req, res) => {
    const caller = req.caller!;
    const parsed = schema.safeParse(req.body);
    if (!parsed.success) return badRequest(res, parsed.error);
    if (!deps.pipeline) {
      return res.status(503).json({ error: 'APP_MISCONFIGURED', message: 'The app is not connected to Bitrix24 (client id and secret are not configured).' });
    }
    const body = parsed.data;
    const sendAt = body.sendAt === undefined ? null : Date.parse(body.sendAt);
    if (sendAt !== null) {
      const problem = scheduleProblem(sendAt, now());
      if (problem) return res.status(400).json({ error: 'SEND_AT_INVALID', message: problem, field: 'sendAt' });
    }
    const fit = payloadFit(caller.portal.appName, body.text, body.avatar);
    let submission;
    try {
      submission = await deps.pipeline.submit({
        memberId: caller.memberId,
        senderId: caller.userId,
        idempotencyKey: body.idempotencyKey,
        text: body.text,
        avatar: body.avatar ?? null,
        audience: body.audience,
        testToSelf: body.testToSelf ?? false,
        sendAt,
      });
    } catch (error) {
      if (error instanceof IdempotencyConflictError) {
        return res.status(409).json({ error: 'IDEMPOTENCY_KEY_REUSED', message: 'This idempotency key was already used for a different message. Use a new key for a new message.', field: 'idempotencyKey' });
      }
      throw error;
    }
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), answerWithinMs);
    });
    const finished = await Promise.race([submission.done, bound]).finally(() => clearTimeout(timer));
    const send = finished ?? (await deps.sendStore.getSend(caller.memberId, submission.send.id)) ?? submission.send;
    const answer = { send: await view(send, requestLanguage(req)), fit };
    res.setHeader('Cache-Control', 'no-store');
    if (!submission.created) res.setHeader('Idempotent-Replayed', 'true');
    if (send.status === 'scheduled') return res.status(submission.created ? 201 : 200).json(answer);
    if (!FINAL_SEND_STATUSES.includes(send.status)) return res.status(202).json(answer);
    if (send.status === 'failed' && answer.send.error) {
      const entry = describeSendError(answer.send.error.source);
      return res.status(entry.httpStatus).json({ error: answer.send.error.code, message: answer.send.error.message, ...answer });
    }
    res.status(submission.created ? 201 : 200).json(answer);
  });

  router.get('/sends', requireAdmin, async (req, res) => {
    const parsed = historyQuery.safeParse(req.query);
    if (!parsed.success) return badRequest(res, parsed.error);
    const page = await deps.sendStore.listSends(req.caller!.memberId, parsed.data);
    const totals = await deps.sendStore.chunkTotals(page.sends.map((send) => send.id));
    const language = requestLanguage(req);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ sends: page.sends.map((send) => toSendView(send, totals.get(send.id) ?? EMPTY_TOTALS, language)), nextBefore: page.nextBefore });
  });

  router.route('/sends/:id').all(methodsOnly('GET')).get(requireAdmin, async (req, res) => {
    const id = String(req.params.id);
    const send = SEND_ID.test(id) ? await deps.sendStore.getSend(req.caller!.memberId, id) : null;
    if (!send) return res.status(404).json({ error: 'SEND_NOT_FOUND', message: 'No such send on this portal.' });
    res.setHeader('Cache-Control', 'no-store');
    res.json({ send: await view(send, requestLanguage(req)) });
  });

  router.route('/sends/:id/cancel').all(methodsOnly('POST')).post(requireAdmin, async (req, res) => {
    const memberId = req.caller!.memberId;
    const id = String(req.params.id);
    const send = SEND_ID.test(id) ? await deps.sendStore.getSend(memberId, id) : null;
    if (!send) return res.status(404).json({ error: 'SEND_NOT_FOUND', message: 'No such send on this portal.' });
    res.setHeader('Cache-Control', 'no-store');
    if (!(await deps.sendStore.cancelScheduledSend(memberId, id))) {
      const current = (await deps.sendStore.getSend(memberId, id)) ?? send;
      const message =
        current.status === 'cancelled' ? 'This send was already cancelled.' : 'This send has already started or finished; only a scheduled send that has not started can be cancelled.';
      return res.status(409).json({ error: 'NOT_CANCELLABLE', message, send: await view(current, requestLanguage(req)) });
    }
    const cancelled = (await deps.sendStore.getSend(memberId, id)) ?? send;
    res.json({ send: await view(cancelled, requestLanguage(req)) });
  });

  return router;
}
