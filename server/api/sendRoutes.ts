import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import type { Audience } from '../../contract/audience.js';
import {
  SEND_ID,
  iphoneBudgetRefusalSchema,
  messageCheckAnswerSchema,
  messageCheckSchema,
  notCancellableAnswerSchema,
  oneSendAnswerSchema,
  sendAnswerSchema,
  sendBodySchema,
  sendFailedAnswerSchema,
  sendHistoryAnswerSchema,
  sendHistoryQuerySchema,
  type PayloadFit,
  type SendErrorView,
  type SendView,
} from '../../contract/sends.js';
import { errorAnswer, type Language } from '../../contract/errorMessages.js';
import { FINAL_SEND_STATUSES, type ChunkTotals, type SendRecord, type SendStore } from '../storage/sendStore.js';
import { payloadFit, scheduleProblem, validationFailure } from '../send/messageSchema.js';
import { IdempotencyConflictError, type SendPipeline } from '../send/sendPipeline.js';
import { AVATAR_TOO_LONG_FOR_IPHONE, TEXT_TOO_LONG_FOR_IPHONE, describeSendError } from '../send/sendErrors.js';
import { requireAdmin } from './frameAuth.js';
import { requestLanguage } from './requestLanguage.js';
import { methodsOnly } from '../http/methodNotAllowed.js';
import { answer, refuse } from './answer.js';

/**
 * The send API for the frame (admins only: Bitrix24 itself accepts pushes only from admins, and the
 * history shows what was sent to whom):
 * - `POST /api/sends` {idempotencyKey, text, avatar?, audience?, testToSelf?} -> 201 (new), 200 (replay
 *   of a finished send), 202 (still running after `answerWithinMs`; poll `GET /api/sends/:id`), or the
 *   error table's status with `{error, message, send, fit}` when the send failed as a whole; every one
 *   carries `textShortened`. A push over the iPhone payload cap is refused (400 TEXT_TOO_LONG_FOR_IPHONE
 *   `{iphoneText, fit}`, nothing recorded) unless `shortenForIphone: true`: then `fit.ios.shown` is sent
 *   and recorded as the send's text (contract/sends.ts; decision 0010, fact 27);
 * - `GET /api/sends?limit=&before=&tests=` -> `{sends, nextBefore}`, newest first, this portal only
 *   (`tests=exclude`: without tests to oneself);
 * - `GET /api/sends/:id` -> `{send}` (404 for another portal's);
 * - `POST /api/message/check` {text, avatar?} -> `{fit}` (`fit.ios.shown`: what an iPhone will show);
 * - with `sendAt` (ISO 8601 with an explicit offset or Z, 1 minute to 1 calendar year ahead; a naive
 *   local time, a test to oneself or a time out of range is a 400 naming `sendAt`) `POST /api/sends`
 *   records the send as `scheduled` (201, the view carries `sendAt` in epoch ms and `sendAtIso`) and the
 *   scheduler starts it when due, re-checking that its sender is still an administrator (else `failed`,
 *   SENDER_NOT_ADMIN);
 * - `POST /api/sends/:id/cancel` (admins, this portal) -> 200 `{send}` now `cancelled`: a scheduled send
 *   that has not started, or a send Bitrix24 paused (OPERATION_TIME_LIMIT; what was pushed stays
 *   reported, `pendingCount` is then who never got it); 404 for an unknown or another portal's send; 409
 *   NOT_CANCELLABLE `{message, send}` while it is being sent, once it finished or was already cancelled.
 * "accepted" is all Bitrix24 tells us: it never reports delivery.
 * The bodies, the query and every answer are the API contract's (contract/sends.ts).
 */

export type { SendView };

export interface SendRoutesDeps {
  sendStore: SendStore;
  /** Null when the app has no Bitrix24 credentials configured (nothing can be sent). */
  pipeline: SendPipeline | null;
  /** How long `POST /api/sends` waits for the send to finish before answering 202 (default 20 s). */
  answerWithinMs?: number;
  now?: () => number;
}

const EMPTY_TOTALS: ChunkTotals = { pending: 0, sending: 0, accepted: 0, failed: 0, uncertain: 0 };

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
    // Stored as the contract's audience schema parsed it (null for a test to oneself).
    audience: send.audience as Audience | null,
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

function badRequest(req: Request, res: Response, error: z.ZodError): void {
  refuse(req, res, 400, validationFailure(error));
}

/** A push over the iPhone cap that the request did not ask to shorten (or that no shortening can fit): 400, translated. */
function refuseIphoneBudget(res: Response, fit: PayloadFit, language: Language): void {
  const refusal = fit.ios.shown === null ? errorAnswer(language, { error: AVATAR_TOO_LONG_FOR_IPHONE, field: 'avatar' }) : errorAnswer(language, { error: TEXT_TOO_LONG_FOR_IPHONE, field: 'text' });
  answer(res, iphoneBudgetRefusalSchema, { ...refusal, iphoneText: fit.ios.shown, fit }, 400);
}

export function sendRoutes(deps: SendRoutesDeps): Router {
  const router = Router();
  const answerWithinMs = deps.answerWithinMs ?? 20_000;
  const now = deps.now ?? Date.now;

  async function view(send: SendRecord, language: Language): Promise<SendView> {
    const known = deps.pipeline?.totalsOf(send);
    if (known) return toSendView(send, known, language);
    const totals = await deps.sendStore.chunkTotals([send.id]);
    return toSendView(send, totals.get(send.id) ?? EMPTY_TOTALS, language);
  }

  router.route('/message/check').all(methodsOnly('POST')).post(requireAdmin, (req, res) => {
    const parsed = messageCheckSchema.safeParse(req.body);
    if (!parsed.success) return badRequest(req, res, parsed.error);
    answer(res, messageCheckAnswerSchema, { fit: payloadFit(req.caller!.portal.appName, parsed.data.text, parsed.data.avatar) });
  });

  router.route('/sends').all(methodsOnly('GET', 'POST')).post(requireAdmin, async (req, res) => {
    const caller = req.caller!;
    const parsed = sendBodySchema.safeParse(req.body);
    if (!parsed.success) return badRequest(req, res, parsed.error);
    if (!deps.pipeline) {
      return refuse(req, res, 503, { error: 'APP_MISCONFIGURED', detail: 'B24_CLIENT_ID and B24_CLIENT_SECRET are not configured.' });
    }
    const body = parsed.data;
    const sendAt = body.sendAt === undefined ? null : Date.parse(body.sendAt);
    if (sendAt !== null) {
      const problem = scheduleProblem(sendAt, now());
      if (problem) return refuse(req, res, 400, { error: 'SEND_AT_INVALID', field: 'sendAt', detail: problem });
    }
    // The core would cut it byte by byte, and a cut inside a character reaches no iPhone: never hand it such a text.
    const asked = payloadFit(caller.portal.appName, body.text, body.avatar);
    if (!asked.ios.fits && (body.shortenForIphone !== true || asked.ios.shown === null)) return refuseIphoneBudget(res, asked, requestLanguage(req));
    const text = asked.ios.shown ?? body.text;
    const textShortened = text !== body.text;
    const fit = textShortened ? payloadFit(caller.portal.appName, text, body.avatar) : asked;
    let submission;
    try {
      submission = await deps.pipeline.submit({
        memberId: caller.memberId,
        senderId: caller.userId,
        idempotencyKey: body.idempotencyKey,
        text,
        avatar: body.avatar ?? null,
        audience: body.audience,
        testToSelf: body.testToSelf ?? false,
        sendAt,
      });
    } catch (error) {
      if (error instanceof IdempotencyConflictError) {
        return refuse(req, res, 409, { error: 'IDEMPOTENCY_KEY_REUSED', field: 'idempotencyKey' });
      }
      throw error;
    }
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), answerWithinMs);
    });
    const finished = await Promise.race([submission.done, bound]).finally(() => clearTimeout(timer));
    const send = finished ?? (await deps.sendStore.getSend(caller.memberId, submission.send.id)) ?? submission.send;
    const outcome = { send: await view(send, requestLanguage(req)), fit, textShortened };
    res.setHeader('Cache-Control', 'no-store');
    if (!submission.created) res.setHeader('Idempotent-Replayed', 'true');
    if (send.status === 'scheduled') return answer(res, sendAnswerSchema, outcome, submission.created ? 201 : 200);
    if (!FINAL_SEND_STATUSES.includes(send.status)) return answer(res, sendAnswerSchema, outcome, 202);
    if (send.status === 'failed' && outcome.send.error) {
      const entry = describeSendError(outcome.send.error.source);
      return answer(res, sendFailedAnswerSchema, { error: outcome.send.error.code, message: outcome.send.error.message, ...outcome }, entry.httpStatus);
    }
    answer(res, sendAnswerSchema, outcome, submission.created ? 201 : 200);
  });

  router.get('/sends', requireAdmin, async (req, res) => {
    const parsed = sendHistoryQuerySchema.safeParse(req.query);
    if (!parsed.success) return badRequest(req, res, parsed.error);
    const page = await deps.sendStore.listSends(req.caller!.memberId, parsed.data);
    const totals = await deps.sendStore.chunkTotals(page.sends.map((send) => send.id));
    const language = requestLanguage(req);
    res.setHeader('Cache-Control', 'no-store');
    answer(res, sendHistoryAnswerSchema, { sends: page.sends.map((send) => toSendView(send, totals.get(send.id) ?? EMPTY_TOTALS, language)), nextBefore: page.nextBefore });
  });

  router.route('/sends/:id').all(methodsOnly('GET')).get(requireAdmin, async (req, res) => {
    const id = String(req.params.id);
    const send = SEND_ID.test(id) ? await deps.sendStore.getSend(req.caller!.memberId, id) : null;
    if (!send) return refuse(req, res, 404, { error: 'SEND_NOT_FOUND' });
    res.setHeader('Cache-Control', 'no-store');
    answer(res, oneSendAnswerSchema, { send: await view(send, requestLanguage(req)) });
  });

  router.route('/sends/:id/cancel').all(methodsOnly('POST')).post(requireAdmin, async (req, res) => {
    const memberId = req.caller!.memberId;
    const id = String(req.params.id);
    const send = SEND_ID.test(id) ? await deps.sendStore.getSend(memberId, id) : null;
    if (!send) return refuse(req, res, 404, { error: 'SEND_NOT_FOUND' });
    res.setHeader('Cache-Control', 'no-store');
    // A scheduled send that has not started, or one Bitrix24 paused (nothing in flight): each is one conditional update.
    const cancelled = (await deps.sendStore.cancelScheduledSend(memberId, id)) || (await deps.sendStore.cancelPausedSend(memberId, id));
    if (!cancelled) {
      const current = (await deps.sendStore.getSend(memberId, id)) ?? send;
      const detail =
        current.status === 'cancelled'
          ? 'This send was already cancelled.'
          : 'This send has already started or finished; only a scheduled send that has not started, or one Bitrix24 has paused, can be cancelled.';
      const language = requestLanguage(req);
      return answer(res, notCancellableAnswerSchema, { ...errorAnswer(language, { error: 'NOT_CANCELLABLE', detail }), send: await view(current, language) }, 409);
    }
    const after = (await deps.sendStore.getSend(memberId, id)) ?? send;
    answer(res, oneSendAnswerSchema, { send: await view(after, requestLanguage(req)) });
  });

  return router;
}
