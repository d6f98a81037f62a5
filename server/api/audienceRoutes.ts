import { Router, type Request, type Response } from 'express';
import { audiencePreviewAnswerSchema, audiencePreviewRequestSchema } from '../../contract/audience.js';
import { recipientDirectorySchema, recipientSearchAnswerSchema, searchQuerySchema } from '../../contract/recipients.js';
import type { CallRest } from '../bitrix/batch.js';
import { retryWhileRateLimited } from '../bitrix/retryPolicy.js';
import { BitrixError, callRest, type RestCallOptions } from '../bitrix/restClient.js';
import { AudienceError } from '../audience/audienceErrors.js';
import type { DepartmentTreeCache } from '../audience/departmentTreeCache.js';
import { readRecipientDirectory, searchEmployees } from '../audience/recipientDirectory.js';
import { resolveAudience } from '../audience/resolveAudience.js';
import type { PortalRateLimiter } from '../send/rateLimiter.js';
import { describeSendError } from '../send/sendErrors.js';
import { validationFailure } from '../send/messageSchema.js';
import type { Logger } from '../logger.js';
import { requireAdmin } from './frameAuth.js';
import { methodsOnly } from '../http/methodNotAllowed.js';
import { answer, refuse } from './answer.js';

/**
 * What the recipient picker reads (admins only, this portal only), each with the caller's own frame
 * token and through the portal's shared rate limiter:
 * - `POST /api/audience/preview` {audience} -> `{count, sample, unreachableUsers}`: the audience resolved
 *   exactly as a send would resolve it;
 * - `GET /api/recipients/search?q=` -> `{users}`: active employees by name, position or department;
 * - `GET /api/recipients/directory` -> `{departments, groups}` to choose from.
 * Bitrix24's refusals come back through the one error table; an expired frame token is 401
 * TOKEN_EXPIRED so the frame renews it and asks again. The bodies, the query and the answers are the API
 * contract's (contract/audience.ts, contract/recipients.ts).
 */

export interface AudienceRoutesDeps {
  limiter: PortalRateLimiter;
  /** Waits between attempts after QUERY_LIMIT_EXCEEDED (tests move a clock instead). */
  sleep?: (ms: number) => Promise<void>;
  treeCache: DepartmentTreeCache;
  logger: Logger;
  rest?: RestCallOptions;
}

function failure(req: Request, res: Response, logger: Logger, error: unknown): void {
  if (error instanceof AudienceError) {
    const entry = describeSendError(error.code);
    refuse(req, res, entry.httpStatus, { error: entry.apiCode, cause: error.code, ids: [...error.ids] });
    return;
  }
  if (error instanceof BitrixError) {
    if (error.code === 'expired_token') {
      refuse(req, res, 401, { error: 'TOKEN_EXPIRED' });
      return;
    }
    const entry = describeSendError(error.code);
    if (entry.httpStatus >= 500) logger.warn({ memberId: req.caller?.memberId, method: error.method, code: error.code }, 'portal refused a recipient read');
    refuse(req, res, entry.httpStatus, { error: entry.apiCode, cause: error.code });
    return;
  }
  throw error;
}

export function audienceRoutes(deps: AudienceRoutesDeps): Router {
  const router = Router();

  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  /**
   * REST with the caller's own token, paced with every other call this process makes to the portal.
   * The portal's budget is shared with calls this pacing cannot see (other processes, the install
   * handshake), so a refusal for the limit — which Bitrix24 gives before running the method — is
   * tried again after a short wait, twice, before the admin is told.
   */
  function callerRest(req: Request): CallRest {
    const { portal, token, memberId } = req.caller!;
    return (method, params) =>
      retryWhileRateLimited(async () => {
        await deps.limiter.acquire(memberId);
        return callRest(portal.clientEndpoint, method, params, token, deps.rest);
      }, sleep);
  }

  router.route('/audience/preview').all(methodsOnly('POST')).post(requireAdmin, async (req, res) => {
    const parsed = audiencePreviewRequestSchema.safeParse(req.body);
    if (!parsed.success) {
      const problem = validationFailure(parsed.error);
      return refuse(req, res, 400, { ...problem, error: problem.error === 'UNKNOWN_FIELD' ? problem.error : 'AUDIENCE_INVALID' });
    }
    try {
      const resolved = await resolveAudience(callerRest(req), parsed.data.audience, { memberId: req.caller!.memberId, treeCache: deps.treeCache });
      res.setHeader('Cache-Control', 'no-store');
      answer(res, audiencePreviewAnswerSchema, { count: resolved.userIds.length, sample: resolved.sample, unreachableUsers: resolved.unreachableUsers });
    } catch (error) {
      failure(req, res, deps.logger, error);
    }
  });

  router.route('/recipients/search').all(methodsOnly('GET')).get(requireAdmin, async (req, res) => {
    const parsed = searchQuerySchema.safeParse(req.query);
    if (!parsed.success) return refuse(req, res, 400, { ...validationFailure(parsed.error), error: 'SEARCH_INVALID' });
    try {
      const users = await searchEmployees(callerRest(req), parsed.data.q);
      res.setHeader('Cache-Control', 'no-store');
      answer(res, recipientSearchAnswerSchema, { users });
    } catch (error) {
      failure(req, res, deps.logger, error);
    }
  });

  router.route('/recipients/directory').all(methodsOnly('GET')).get(requireAdmin, async (req, res) => {
    try {
      const directory = await readRecipientDirectory(callerRest(req), { memberId: req.caller!.memberId, treeCache: deps.treeCache });
      res.setHeader('Cache-Control', 'no-store');
      answer(res, recipientDirectorySchema, directory);
    } catch (error) {
      failure(req, res, deps.logger, error);
    }
  });

  return router;
}
