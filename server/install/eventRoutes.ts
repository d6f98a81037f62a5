import { createHash, timingSafeEqual } from 'node:crypto';
import express, { Router, type Response } from 'express';
import type { Logger } from '../logger.js';
import type { AppConfig } from '../config.js';
import type { PortalStore } from '../storage/portalStore.js';
import { appEvent, describeIssues, normaliseEventName, type AppEvent } from './requestSchemas.js';
import type { OpeningVerifier } from './verifyOpening.js';
import { portalFromGrant, tokensFromGrant } from './grantRecords.js';
import type { UninstallReports } from './uninstallReports.js';
import { OpeningBudgetExceededError, type OpeningBudget } from './openingBudget.js';

export interface EventDependencies {
  config: AppConfig;
  logger: Logger;
  store: PortalStore;
  /** Null while the app has no client credentials: then no event for an unknown portal can be verified. */
  verifier: OpeningVerifier | null;
  /** Null while the app has no client credentials: then no uninstall can be confirmed, and none is acted on. */
  uninstallReports: UninstallReports | null;
  /** Bounds the OAuth grants that events for portals we do not know can spend. */
  openingBudget: OpeningBudget;
}

/** Events arrive form-encoded with bracketed keys (auth[member_id]), hence the extended (qs) parser. */
const eventBody = express.urlencoded({ extended: true, limit: '32kb', parameterLimit: 100 });

/**
 * POST /events: ONAPPINSTALL and ONAPPUNINSTALL. The stored application_token shows an event names the
 * right portal, but every employee can read it, so it never alone authorizes a destructive act: an
 * uninstall is acted on only once Bitrix24 confirms the app is gone (the portal answers APPLICATION_NOT_FOUND
 * to its stored tokens; decision 0015), and CLEAN deletes the data only after a grace period. An ONAPPINSTALL for a portal whose token we do not
 * know yet is proven through the OAuth server (its refresh token is redeemed, as for the install POST).
 */
export function eventRoutes(deps: EventDependencies): Router {
  const router = Router();
  router.post('/events', eventBody, async (req, res) => {
    if (!req.is('application/x-www-form-urlencoded')) {
      return answer(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Bitrix24 events are form-encoded');
    }
    const parsed = appEvent.safeParse(normaliseEventName(req.body));
    if (!parsed.success) {
      const unknownEvent = parsed.error.issues.some((issue) => issue.path[0] === 'event');
      return answer(res, 400, unknownEvent ? 'UNKNOWN_EVENT' : 'MALFORMED_EVENT', unknownEvent ? 'Only ONAPPINSTALL and ONAPPUNINSTALL are handled here' : describeIssues(parsed.error));
    }
    const event = parsed.data;
    return event.event === 'ONAPPINSTALL' ? onAppInstall(event, deps, res, req.ip ?? '') : onAppUninstall(event, deps, res);
  });
  router.all('/events', (_req, res) => {
    res.setHeader('Allow', 'POST');
    answer(res, 405, 'METHOD_NOT_ALLOWED', 'Use POST');
  });
  return router;
}

type InstallEvent = Extract<AppEvent, { event: 'ONAPPINSTALL' }>;
type UninstallEvent = Extract<AppEvent, { event: 'ONAPPUNINSTALL' }>;

async function onAppInstall(event: InstallEvent, deps: EventDependencies, res: Response, address: string): Promise<void> {
  const { store, logger } = deps;
  const memberId = event.auth.member_id.toLowerCase();
  const stored = await store.getPortal(memberId);
  if (stored?.applicationToken && stored.installState !== 'uninstalled' && sameSecret(stored.applicationToken, event.auth.application_token)) {
    await store.markInstallFinished(memberId);
    return answer(res, 200, 'OK', 'Installation confirmed');
  }

  // We do not know this portal's application token yet, or it differs from ours (a reinstall whose
  // ONAPPUNINSTALL was lost brings a new one): the OAuth server must vouch for the event.
  const { verifier } = deps;
  if (!verifier || !event.auth.refresh_token || !event.auth.access_token) {
    logger.warn({ memberId, event: event.event }, 'unverifiable install event ignored');
    return answer(res, 401, 'UNVERIFIED_EVENT', 'The event could not be verified');
  }
  let verified;
  // auth[server_endpoint] only picks which configured OAuth server checks the event (decision 0010, fact 31).
  const claims = { AUTH_ID: event.auth.access_token, REFRESH_ID: event.auth.refresh_token, AUTH_EXPIRES: event.auth.expires_in, member_id: memberId, SERVER_ENDPOINT: event.auth.server_endpoint };
  try {
    verified = await deps.openingBudget.verify(address, () => verifier.verify(claims, stored), { memberId, known: stored !== null });
  } catch (error) {
    if (error instanceof OpeningBudgetExceededError) {
      logger.warn({ memberId, event: event.event }, 'install event not verified: too many unverified openings');
      res.setHeader('Retry-After', String(error.retryAfterSeconds));
      return answer(res, 429, 'TOO_MANY_REQUESTS', 'Too many unverified events; try again later');
    }
    logger.warn({ memberId, event: event.event }, 'install event not confirmed by the OAuth server; ignored');
    return answer(res, 401, 'UNVERIFIED_EVENT', 'The event could not be verified');
  }
  const { grant, user, scopes } = verified;
  await store.upsertPortal(portalFromGrant(grant, stored?.appName ?? deps.config.appName, event.auth.application_token));
  await store.markInstallFinished(grant.memberId);
  await store.saveUserTokens(grant.memberId, user.id, tokensFromGrant(grant, user.isAdmin, scopes));
  const replaced = Boolean(stored?.applicationToken) && stored?.installState !== 'uninstalled';
  logger.info({ memberId: grant.memberId, replacedApplicationToken: replaced }, 'install confirmed by ONAPPINSTALL');
  return answer(res, 200, 'OK', 'Installation confirmed');
}

async function onAppUninstall(event: UninstallEvent, deps: EventDependencies, res: Response): Promise<void> {
  const { store, logger } = deps;
  const memberId = event.auth.member_id.toLowerCase();
  const stored = await store.getPortal(memberId);
  if (!stored?.applicationToken || !sameSecret(stored.applicationToken, event.auth.application_token)) {
    logger.warn({ memberId, known: Boolean(stored) }, 'uninstall event with an unknown portal or a wrong application token ignored');
    return answer(res, 401, 'WRONG_APPLICATION_TOKEN', 'The application token does not match this portal');
  }
  if (stored.installState === 'uninstalled') {
    // Bitrix24 sends one ONAPPUNINSTALL per uninstall, and the old application token proves nothing more:
    // a later event changes nothing (only a verified reinstall or admin opening cancels a purge).
    return answer(res, 200, 'OK', 'Already uninstalled');
  }
  if (!deps.uninstallReports) {
    logger.warn({ memberId }, 'uninstall event cannot be confirmed without client credentials; nothing changed');
    return answer(res, 409, 'UNINSTALL_NOT_CONFIRMED', 'Bitrix24 does not confirm that the app was uninstalled from this portal; nothing was changed');
  }
  const outcome = await deps.uninstallReports.receive(memberId, event.data.CLEAN === true);
  if (outcome === 'recorded') return answer(res, 200, 'OK', 'Uninstall recorded');
  if (outcome === 'refuted') {
    logger.warn({ memberId, clean: event.data.CLEAN }, 'uninstall event refuted by Bitrix24 (the app answers there); nothing changed');
    return answer(res, 409, 'UNINSTALL_NOT_CONFIRMED', 'Bitrix24 does not confirm that the app was uninstalled from this portal; nothing was changed');
  }
  logger.warn({ memberId, clean: event.data.CLEAN }, 'uninstall event neither confirmed nor refuted by Bitrix24; checked again later, nothing changed yet');
  return answer(res, 202, 'UNINSTALL_PENDING', 'Bitrix24 could not confirm the uninstall yet; it is checked again later and nothing changes until it confirms');
}

/** Constant-time comparison of two secrets of any length. */
function sameSecret(a: string, b: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}

function answer(res: Response, status: number, code: string, message: string): void {
  res.status(status).json(status < 300 ? { status: code, message } : { error: code, message });
}
