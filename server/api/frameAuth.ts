import { createHash } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { BitrixError, callRest, NOT_CONNECTED, PORTAL_MOVED, type RestCallOptions } from '../bitrix/restClient.js';
import type { PortalRelocation } from '../bitrix/portalRelocation.js';
import { describeBitrixError } from '../bitrix/errorCatalog.js';
import type { Portal, PortalStore } from '../storage/portalStore.js';
import type { Logger } from '../logger.js';
import { MEMBER_ID } from '../install/requestSchemas.js';
import type { PortalRateLimiter } from '../send/rateLimiter.js';
import { retryWhileRateLimited } from '../bitrix/retryPolicy.js';
import { createAllowance, refusingWindows, retryAfterSeconds, type BurstLimit } from '../limits/allowance.js';
import { createMemoryLimitStore, type LimitStore } from '../limits/limitStore.js';
import { networkKey } from '../http/networkKey.js';
import { refuse } from './answer.js';
import type { ErrorCode } from '../../contract/errorMessages.js';
import type { UninstallReports } from '../install/uninstallReports.js';

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
/** How long a network from which a portal's token was accepted skips that portal's shared check budget. */
export const PROVEN_NETWORK_TTL_MS = 24 * 60 * 60_000;
const CALLER_CACHE_MAX = 10_000;
const PROVEN_NETWORKS_MAX = 50_000;

const profileAnswer = z.object({ ID: z.coerce.number().int().positive(), ADMIN: z.boolean() });
const bearer = /^Bearer ([\w.~+/=-]{8,512})$/;

export interface FrameAuthDeps {
  store: PortalStore;
  logger: Logger;
  rest?: RestCallOptions;
  now?: () => number;
  /** The portal's shared REST pacing: token checks spend the portal's budget like any other call. */
  limiter?: PortalRateLimiter;
  /** Token checks that reach Bitrix24 per portal, and refused ones per source network (DEFAULT_VERIFICATION_LIMITS). */
  verificationLimits?: VerificationLimits;
  /** Where a renamed portal answers now (the OAuth server's token check); without it a renamed portal's sign-ins fail with PORTAL_MOVED until an opening follows it. */
  relocation?: PortalRelocation | null;
  /** Told when the portal answers APPLICATION_NOT_FOUND: the app may have been removed without our hearing of it. */
  uninstallReports?: Pick<UninstallReports, 'suspect'> | null;
  /** Waits before a check the portal refused for its rate limit is tried again (tests move a clock). */
  sleep?: (ms: number) => Promise<void>;
  /** Where the verification limits count (decision 0014: shared by every process); default this process's memory on `now`. */
  limitStore?: LimitStore;
}

export interface VerificationLimits {
  /** Tokens Bitrix24 refused, per source network (IPv4 address, IPv6 /64) and portal: past it, that network's checks wait. */
  refusedPerNetwork: BurstLimit;
  /** Tokens Bitrix24 refused, per portal, from networks none of whose tokens it accepted lately: past it, only proven networks are checked. */
  perPortal: BurstLimit;
}

/**
 * Checking a token costs a REST call to the portal, and anyone can send tokens with a known member_id
 * from many addresses: without a bound, garbage tokens would spend a portal's REST budget (and refused
 * tokens are remembered for a while, so repeating one costs nothing). Two budgets, each charged while a
 * check runs (so a concurrent flood is bounded too) and refunded when the token is good or merely
 * expired, so only refused tokens use them up:
 * - per source network (an IPv4 address, an IPv6 /64: one subscriber can rotate through a whole /64)
 *   and portal: a network whose tokens Bitrix24 keeps refusing waits; good tokens cost it nothing, so an
 *   office behind one NAT address signs in as freely as before;
 * - per portal, for networks from which none of the portal's tokens was accepted within a day: garbage
 *   from many networks uses it up, but a network whose token Bitrix24 accepted (the office, the admin's
 *   home) is "proven" and never waits for it, only for its own network budget. What is proven is kept
 *   in this process (like the answers themselves, decision 0014).
 * A token Bitrix24 accepted within the hour is checked again without waiting behind either. While the
 * limit store cannot be reached each process keeps these budgets alone (decision 0014).
 */
export const DEFAULT_VERIFICATION_LIMITS: VerificationLimits = {
  refusedPerNetwork: { burst: 10, perSecond: 0.5 },
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
  const refusedPerNetwork = createAllowance(limitStore, 'token-refused-network', refusingWindows(limits.refusedPerNetwork));
  const perPortal = createAllowance(limitStore, 'token-portal', refusingWindows(limits.perPortal));
  // `${memberId} ${network}` of networks a token of that portal was accepted from: they skip the portal's shared budget.
  const provenNetworks = new LRUCache<string, true>({ max: PROVEN_NETWORKS_MAX, ttl: PROVEN_NETWORK_TTL_MS, ttlResolution: 0, perf: { now } });
  /** Verifications under way in this process, by the same key as the cache. */
  const inFlight = new Map<string, Promise<Verification>>();

  /** `profile` with the token at the portal's address; a renamed portal is followed to where the OAuth server says it answers now. */
  async function checkToken(memberId: string, portal: Portal, token: string): Promise<{ profile: z.infer<typeof profileAnswer>; portal: Portal }> {
    const askProfile = async (endpoint: string) => {
      const { result } = await retryWhileRateLimited(async () => {
        await deps.limiter?.acquire(memberId);
        return callRest(endpoint, 'profile', {}, token, deps.rest);
      }, sleep);
      return profileAnswer.parse(result);
    };
    try {
      return { profile: await askProfile(portal.clientEndpoint), portal };
    } catch (error) {
      // The stored address redirects (or nothing answers there): nothing ran, and the request's own token,
      // checked by the OAuth server, tells where the portal answers now. The request names no address.
      const movedAway = error instanceof BitrixError && (error.code === PORTAL_MOVED || (error.code === 'NETWORK_ERROR' && error.description === NOT_CONNECTED));
      if (!movedAway || !deps.relocation) throw error;
      const found = await deps.relocation.find(memberId, portal.clientEndpoint, token, 'request');
      if (found && 'refused' in found) throw new BitrixError(found.refused === 'expired_token' ? 'expired_token' : 'invalid_token', 'The OAuth server does not vouch for this token', 401, 'app.info');
      if (!found) throw error;
      const moved = await deps.store.getPortal(memberId);
      return { profile: await askProfile(found.movedTo), portal: { ...(moved ?? portal), clientEndpoint: found.movedTo } };
    }
  }

  return async (req: Request, res: Response, next: NextFunction) => {
    const token = bearer.exec(req.get('authorization') ?? '')?.[1];
    const memberId = req.get(MEMBER_ID_HEADER)?.trim().toLowerCase();
    if (!token || !memberId) {
      return unauthorized(req, res, 'AUTH_REQUIRED');
    }
    if (!MEMBER_ID.test(memberId)) return unauthorized(req, res, 'UNKNOWN_PORTAL', 'X-B24-Member-Id is not a member_id');

    const portal = await deps.store.getPortal(memberId);
    if (!portal || portal.installState === 'uninstalled') {
      return unauthorized(req, res, 'UNKNOWN_PORTAL');
    }

    const key = createHash('sha256').update(`${memberId}\0${token}`).digest('base64url');
    const cached = cache.get(key);
    if (cached && cached.until > now()) {
      if ('refused' in cached) return unauthorized(req, res, 'BAD_TOKEN');
      req.caller = { memberId, userId: cached.userId, isAdmin: cached.isAdmin, portal, token };
      return next();
    }
    // Requests with the same token share one verification in flight: a frame's first burst, or an
    // integration's concurrent calls, cost one check and one charge, not one each.
    let verification = inFlight.get(key);
    if (!verification) {
      const proven = cached !== undefined && !('refused' in cached);
      verification = verify(key, memberId, portal, token, `${memberId} ${networkKey(req.ip ?? '')}`, proven).finally(() => inFlight.delete(key));
      inFlight.set(key, verification);
    }
    const outcome = await verification;
    switch (outcome.kind) {
      case 'accepted':
        req.caller = { memberId, userId: outcome.userId, isAdmin: outcome.isAdmin, portal: outcome.portal, token };
        return next();
      case 'busy':
        res.setHeader('Retry-After', String(outcome.retryAfterSeconds));
        return refuse(req, res, 429, { error: 'TOO_MANY_REQUESTS', detail: `Too many sign-ins to this portal at once: retry after ${outcome.retryAfterSeconds} s.` });
      case 'expired':
        return unauthorized(req, res, 'TOKEN_EXPIRED');
      case 'refused':
        return unauthorized(req, res, 'BAD_TOKEN');
      case 'bitrix': {
        const entry = describeBitrixError(outcome.code);
        return refuse(req, res, entry.httpStatus, { error: entry.apiCode, cause: outcome.code });
      }
      case 'unexpected_answer':
        return refuse(req, res, 502, { error: 'PORTAL_ERROR', cause: 'ERROR_UNEXPECTED_ANSWER', detail: 'profile answered without ID or ADMIN' });
      case 'failed':
        return next(outcome.error);
    }
  };

  /** One verification of a token not answered from the cache: the budgets, the check, what is remembered. */
  async function verify(key: string, memberId: string, portal: Portal, token: string, network: string, proven: boolean): Promise<Verification> {
    // Charged while the check runs (so a concurrent flood is bounded too), refunded when the token is good or merely expired.
    const charged: Array<() => Promise<void>> = [];
    const refund = () => Promise.all(charged.map((giveBack) => giveBack()));
    if (!proven) {
      let refused: number | null = null;
      const byNetwork = await refusedPerNetwork.take(network);
      if (!byNetwork.taken) refused = byNetwork.retryInMs;
      else {
        charged.push(byNetwork.giveBack);
        // A proven network waits only for its own budget: garbage from elsewhere cannot keep it out.
        const byPortal = provenNetworks.has(network) ? null : await perPortal.take(memberId);
        if (byPortal?.taken) charged.push(byPortal.giveBack);
        else if (byPortal) refused = byPortal.retryInMs;
      }
      if (refused !== null) {
        await refund();
        return { kind: 'busy', retryAfterSeconds: retryAfterSeconds(refused) };
      }
    }
    try {
      const checked = await checkToken(memberId, portal, token);
      const { profile } = checked;
      cache.set(key, { userId: profile.ID, isAdmin: profile.ADMIN, until: now() + CALLER_CACHE_TTL_MS });
      provenNetworks.set(network, true);
      await refund();
      return { kind: 'accepted', userId: profile.ID, isAdmin: profile.ADMIN, portal: checked.portal };
    } catch (error) {
      if (error instanceof BitrixError) {
        if (error.code === 'expired_token') {
          // A real token past its hour (the frame renews it): not garbage, so nothing is charged.
          await refund();
          return { kind: 'expired' };
        }
        if (['invalid_token', 'NO_AUTH_FOUND', 'WRONG_AUTH_TYPE'].includes(error.code)) {
          cache.set(key, { refused: true, until: now() + CALLER_CACHE_TTL_MS }, { ttl: CALLER_CACHE_TTL_MS });
          return { kind: 'refused' };
        }
        // Only a real token of this app gets this answer, so the check it starts with the stored tokens is not garbage's to spend.
        if (error.code === 'APPLICATION_NOT_FOUND') deps.uninstallReports?.suspect(memberId);
        return { kind: 'bitrix', code: error.code };
      }
      if (error instanceof z.ZodError) {
        deps.logger.warn({ memberId }, 'profile answer without ID/ADMIN');
        return { kind: 'unexpected_answer' };
      }
      return { kind: 'failed', error };
    }
  }
}

/** What one verification of a token concluded, shared by the requests that carried it at once. */
type Verification =
  | { kind: 'accepted'; userId: number; isAdmin: boolean; portal: Portal }
  | { kind: 'busy'; retryAfterSeconds: number }
  | { kind: 'expired' }
  | { kind: 'refused' }
  | { kind: 'bitrix'; code: string }
  | { kind: 'unexpected_answer' }
  | { kind: 'failed'; error: unknown };

/** Only administrators send; Bitrix24 itself refuses others with ACCESS_ERROR, so we refuse first. */
export const requireAdmin: RequestHandler = (req, res, next) => {
  if (!req.caller) return unauthorized(req, res, 'AUTH_REQUIRED');
  if (!req.caller.isAdmin) {
    const entry = describeBitrixError('ACCESS_ERROR');
    return refuse(req, res, entry.httpStatus, { error: entry.apiCode, cause: 'ACCESS_ERROR' });
  }
  next();
};

function unauthorized(req: Request, res: Response, code: ErrorCode, detail?: string): void {
  refuse(req, res, 401, { error: code, detail });
}
