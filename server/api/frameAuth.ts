import { createHash } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { BitrixError, callRest, type RestCallOptions } from '../bitrix/restClient.js';
import { describeBitrixError } from '../bitrix/errorCatalog.js';
import type { Portal, PortalStore } from '../storage/portalStore.js';
import type { Logger } from '../logger.js';
import { MEMBER_ID } from '../install/requestSchemas.js';
import type { PortalRateLimiter } from '../send/rateLimiter.js';
import { retryWhileRateLimited } from '../bitrix/retryPolicy.js';
import { createAllowance, refusingWindows, retryAfterSeconds, type BurstLimit } from '../limits/allowance.js';
import { createMemoryLimitStore, type LimitStore } from '../limits/limitStore.js';
import { refuse } from './answer.js';

/**
 * Every /api/ call from the frame proves its user with that user's own Bitrix24 token (header, not
 * cookie: third-party cookies are unreliable in the iframe). The token is checked against the stored
 * portal's endpoint, which came from the OAuth server; nothing the browser says about the user (IS_ADMIN,
 * DOMAIN) is believed.
 */

export const MEMBER_ID_HEADER = 'x-b24-member-id';

export interface Caller {
  memberId: string;
  userId: number;
  isAdmin: boolean;
  portal: Portal;
  /** The request's own Bitrix24 token: reads for the picker go out with it (never stored, never logged). */
  token: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    caller?: Caller;
  }
}

/** How long a token's answer is reused. Frame tokens live an hour; a minute keeps revocations prompt. */
export const CALLER_CACHE_TTL_MS = 60_000;
/** How long a token Bitrix24 once accepted skips the verification budget when it is checked again. */
export const PROVEN_TOKEN_TTL_MS = 60 * 60_000;
const CALLER_CACHE_MAX = 10_000;

const BAD_TOKEN_MESSAGE = 'Bitrix24 did not recognise this authorization for this portal. Reopen the app from the left menu.';

const profileAnswer = z.object({ ID: z.coerce.number().int().positive(), ADMIN: z.boolean() });
const bearer = /^Bearer ([\w.~+/=-]{8,512})$/;

export interface FrameAuthDeps {
  store: PortalStore;
  logger: Logger;
  rest?: RestCallOptions;
  now?: () => number;
  /** The portal's shared REST pacing: token checks spend the portal's budget like any other call. */
  limiter?: PortalRateLimiter;
  /** Token checks that reach Bitrix24 per portal, and refused ones per source address (DEFAULT_VERIFICATION_LIMITS). */
  verificationLimits?: VerificationLimits;
  /** Waits before a check the portal refused for its rate limit is tried again (tests move a clock). */
  sleep?: (ms: number) => Promise<void>;
  /** Where the verification limits count (decision 0014: shared by every process); default this process's memory on `now`. */
  limitStore?: LimitStore;
}

export interface VerificationLimits {
  /** Tokens Bitrix24 refused, per source address and portal: past it, that address's checks wait. */
  refusedPerAddress: BurstLimit;
  /** Every check that reaches the portal. */
  perPortal: BurstLimit;
}

/**
 * Checking a token costs a REST call to the portal, and anyone can send tokens with a known member_id:
 * without a bound, garbage tokens would spend a portal's REST budget (and refused tokens are remembered
 * for a while, so repeating one costs nothing). An address whose tokens Bitrix24 keeps refusing is
 * slowed down before it can use up the portal's share that real users' sign-ins need; good tokens cost
 * an address nothing, so an office behind one NAT address signs in as freely as before. A token Bitrix24
 * accepted within the hour is checked again without waiting behind either bucket. If the limit store
 * cannot be reached, unproven tokens are not checked (429): garbage never spends the portal's budget
 * unbounded; proven and cached tokens pass as before.
 */
export const DEFAULT_VERIFICATION_LIMITS: VerificationLimits = {
  refusedPerAddress: { burst: 10, perSecond: 0.5 },
  perPortal: { burst: 30, perSecond: 1 },
};

/** `until`: the answer is reused without asking; the entry itself lives longer for a proven token (see PROVEN_TOKEN_TTL_MS). */
type CachedCaller = { userId: number; isAdmin: boolean; until: number } | { refused: true; until: number };

export function frameAuth(deps: FrameAuthDeps): RequestHandler {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  // A proven token's entry lives an hour (it skips the verification budget); a refused one a minute.
  const cache = new LRUCache<string, CachedCaller>({ max: CALLER_CACHE_MAX, ttl: PROVEN_TOKEN_TTL_MS, ttlResolution: 0, perf: { now } });
  const limits = deps.verificationLimits ?? DEFAULT_VERIFICATION_LIMITS;
  const limitStore = deps.limitStore ?? createMemoryLimitStore(now);
  const refusedPerAddress = createAllowance(limitStore, 'token-refused-address', refusingWindows(limits.refusedPerAddress), 'refuse');
  const perPortal = createAllowance(limitStore, 'token-portal', refusingWindows(limits.perPortal), 'refuse');

  return async (req: Request, res: Response, next: NextFunction) => {
    const token = bearer.exec(req.get('authorization') ?? '')?.[1];
    const memberId = req.get(MEMBER_ID_HEADER)?.trim().toLowerCase();
    if (!token || !memberId) {
      return unauthorized(res, 'AUTH_REQUIRED', 'Open this app from Bitrix24: the request carries no Bitrix24 authorization.');
    }
    if (!MEMBER_ID.test(memberId)) return unauthorized(res, 'UNKNOWN_PORTAL', 'This portal is not known to the app.');

    const portal = await deps.store.getPortal(memberId);
    if (!portal || portal.installState === 'uninstalled') {
      return unauthorized(res, 'UNKNOWN_PORTAL', 'The app is not installed on this portal. Install it from the Bitrix24 Market.');
    }

    const key = createHash('sha256').update(`${memberId}\0${token}`).digest('base64url');
    const cached = cache.get(key);
    if (cached && cached.until > now()) {
      if ('refused' in cached) return unauthorized(res, 'BAD_TOKEN', BAD_TOKEN_MESSAGE);
      req.caller = { memberId, userId: cached.userId, isAdmin: cached.isAdmin, portal, token };
      return next();
    }
    const proven = cached !== undefined && !('refused' in cached);

    // An address is charged while its check runs (so a concurrent flood is bounded too) and refunded when the token is good.
    let chargedAddress: (() => Promise<void>) | undefined;
    if (!proven) {
      const byAddress = await refusedPerAddress.take(`${memberId}:${req.ip ?? ''}`);
      const byPortal = byAddress.taken ? await perPortal.take(memberId) : byAddress;
      if (!byPortal.taken) {
        if (byAddress.taken) await byAddress.giveBack();
        const wait = retryAfterSeconds(byPortal.retryInMs);
        res.setHeader('Retry-After', String(wait));
        return refuse(res, 429, { error: 'TOO_MANY_REQUESTS', message: `Too many sign-ins to this portal at once. Wait ${wait} s and try again.` });
      }
      chargedAddress = byAddress.taken ? byAddress.giveBack : undefined;
    }
    try {
      const { result } = await retryWhileRateLimited(async () => {
        await deps.limiter?.acquire(memberId);
        return callRest(portal.clientEndpoint, 'profile', {}, token, deps.rest);
      }, sleep);
      const profile = profileAnswer.parse(result);
      cache.set(key, { userId: profile.ID, isAdmin: profile.ADMIN, until: now() + CALLER_CACHE_TTL_MS });
      await chargedAddress?.();
      req.caller = { memberId, userId: profile.ID, isAdmin: profile.ADMIN, portal, token };
      return next();
    } catch (error) {
      if (error instanceof BitrixError) {
        if (error.code === 'expired_token') {
          // A real token past its hour (the frame renews it): not garbage, so the address is not charged.
          await chargedAddress?.();
          return unauthorized(res, 'TOKEN_EXPIRED', 'The Bitrix24 session expired; the app renews it and tries again.');
        }
        if (['invalid_token', 'NO_AUTH_FOUND', 'WRONG_AUTH_TYPE'].includes(error.code)) {
          cache.set(key, { refused: true, until: now() + CALLER_CACHE_TTL_MS }, { ttl: CALLER_CACHE_TTL_MS });
          return unauthorized(res, 'BAD_TOKEN', BAD_TOKEN_MESSAGE);
        }
        const entry = describeBitrixError(error.code);
        return refuse(res, entry.httpStatus, { error: entry.apiCode, message: entry.message.en });
      }
      if (error instanceof z.ZodError) {
        deps.logger.warn({ memberId }, 'profile answer without ID/ADMIN');
        return refuse(res, 502, { error: 'PORTAL_ERROR', message: 'Bitrix24 gave an unexpected answer. Try again in a few minutes.' });
      }
      return next(error);
    }
  };
}

/** Only administrators send; Bitrix24 itself refuses others with ACCESS_ERROR, so we refuse first. */
export const requireAdmin: RequestHandler = (req, res, next) => {
  if (!req.caller) return unauthorized(res, 'AUTH_REQUIRED', 'Open this app from Bitrix24.');
  if (!req.caller.isAdmin) {
    const entry = describeBitrixError('ACCESS_ERROR');
    return refuse(res, entry.httpStatus, { error: entry.apiCode, message: entry.message.en });
  }
  next();
};

function unauthorized(res: Response, code: string, message: string): void {
  refuse(res, 401, { error: code, message });
}
