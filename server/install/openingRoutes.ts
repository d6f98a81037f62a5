import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from '../logger.js';
import type { AppConfig } from '../config.js';
import type { ClientPage, ClientPages } from '../http/clientPages.js';
import { pageContentSecurityPolicy } from '../http/securityHeaders.js';
import { OAuthError } from '../bitrix/oauthClient.js';
import { BitrixError } from '../bitrix/restClient.js';
import type { PortalStore } from '../storage/portalStore.js';
import { describeIssues, frameOpenForm } from './requestSchemas.js';
import { ForgedOpeningError, type OpeningVerifier, type VerifiedOpening } from './verifyOpening.js';
import { portalFromGrant, tokensFromGrant } from './grantRecords.js';
import { OpeningBudgetExceededError, type OpeningBudget } from './openingBudget.js';
import { sendRefusal, type RefusalReason } from './refusalPage.js';
import type { UninstallReports } from './uninstallReports.js';

export interface OpeningDependencies {
  config: AppConfig;
  logger: Logger;
  pages: ClientPages;
  store: PortalStore;
  /** Null while B24_CLIENT_ID/B24_CLIENT_SECRET are not configured. */
  verifier: OpeningVerifier | null;
  /** Bounds the OAuth grants that openings nobody has vouched for can spend. */
  openingBudget: OpeningBudget;
  /** Told when the portal says the app is not installed there (APPLICATION_NOT_FOUND); null without client credentials. */
  uninstallReports?: UninstallReports | null;
}

/** The portal's own word that the app is not installed there (decision 0010, fact 25). */
function appRemoved(error: unknown): boolean {
  return error instanceof BitrixError && error.code === 'APPLICATION_NOT_FOUND';
}

/** Bitrix24 form-POSTs a handful of short fields into the frame; anything larger is not Bitrix24. */
const formBody = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 });

/**
 * The install handler (POST /install) and the app page (GET|POST /). Both are opened by Bitrix24 with a
 * form POST carrying the opening user's tokens. Nothing in that form is trusted as it is: the refresh
 * token is redeemed at the configured OAuth server, whose answer names the portal.
 */
export function openingRoutes(deps: OpeningDependencies): Router {
  const router = Router();
  const { store, logger } = deps;

  router.post('/install', formBody, async (req, res) => {
    const form = frameOpenForm.safeParse(req.body);
    if (!form.success) {
      return sendRefusal(req, res, 400, 'malformed', { detail: describeIssues(form.error) });
    }
    const { verifier } = deps;
    if (!verifier) return sendRefusal(req, res, 503, 'not_configured', { detail: 'B24_CLIENT_ID and B24_CLIENT_SECRET are not set.' });
    let opening: VerifiedOpening;
    try {
      const memberId = form.data.member_id.toLowerCase();
      const known = await store.getPortal(memberId);
      opening = await deps.openingBudget.verify(req.ip ?? '', () => verifier.verify(form.data, known), { memberId, known: known !== null });
    } catch (error) {
      return refuseUnverified(req, res, logger, error, 'install');
    }
    const { grant, user, scopes } = opening;
    if (!user.isAdmin) return sendRefusal(req, res, 403, 'not_admin', { knownPortalEndpoints: [grant.clientEndpoint] });
    await store.upsertPortal(portalFromGrant(grant, deps.config.appName, form.data.APPLICATION_TOKEN ?? null));
    await store.saveUserTokens(grant.memberId, user.id, tokensFromGrant(grant, true, scopes));
    logger.info({ memberId: grant.memberId, userId: user.id }, 'install verified and stored');
    await sendPage(res, deps, 'install', [grant.clientEndpoint]);
  });
  router.all('/install', methodNotAllowed('POST'));

  router.get('/', async (_req, res) => {
    // Opened outside Bitrix24: the page explains itself; no portal is known, so nobody may frame it.
    await sendPage(res, deps, 'index', []);
  });

  router.post('/', formBody, async (req, res) => {
    const opened = await keepOpeningTokens(req, deps);
    if ('refusal' in opened) return sendRefusal(req, res, opened.refusal === 'malformed' ? 400 : 404, opened.refusal, { detail: opened.detail });
    await sendPage(res, deps, 'index', opened.framers);
  });
  router.all('/', methodNotAllowed('GET, POST'));
  return router;
}

/**
 * When the app page is opened by an administrator, keep that admin's fresh tokens (verified), so every
 * admin who opens the app can later send with their own authorization. A portal we hold as uninstalled
 * that an admin opens, and Bitrix24 vouches for, is installed after all: it is restored (its purge
 * cancelled). Returns the origins allowed to frame the page. A failure here never blocks the page: the
 * frame works with its own token.
 */
async function keepOpeningTokens(req: Request, deps: OpeningDependencies): Promise<{ framers: string[] } | { refusal: RefusalReason; detail?: string }> {
  const form = frameOpenForm.safeParse(req.body);
  if (!form.success) return { refusal: 'malformed', detail: describeIssues(form.error) };
  const stored = await deps.store.getPortal(form.data.member_id.toLowerCase());
  if (!stored) return { refusal: 'not_installed' };
  const uninstalled = stored.installState === 'uninstalled';
  // Without a verified opening, only a portal we hold as installed is served (framed by its stored address).
  const unverified = uninstalled ? { refusal: 'not_installed' as const } : { framers: [stored.clientEndpoint] };
  const { verifier } = deps;
  if (!verifier) return unverified;
  try {
    const { grant, user, scopes } = await deps.openingBudget.verify(req.ip ?? '', () => verifier.verify(form.data, stored), { memberId: stored.memberId, known: true });
    if (grant.memberId !== stored.memberId) return unverified;
    if (uninstalled && !user.isAdmin) return unverified;
    if (uninstalled && (await deps.store.restoreInstalled(grant.memberId))) {
      deps.logger.warn({ memberId: grant.memberId, userId: user.id }, 'portal held as uninstalled was opened by an admin and verified: restored');
    }
    if (grant.clientEndpoint !== stored.clientEndpoint) {
      // The portal was renamed: the OAuth server's answer is the authority on its new address.
      await deps.store.upsertPortal(portalFromGrant(grant, stored.appName));
    }
    if (user.isAdmin) {
      await deps.store.saveUserTokens(grant.memberId, user.id, tokensFromGrant(grant, true, scopes));
    }
    return { framers: [grant.clientEndpoint] };
  } catch (error) {
    logUnverified(deps.logger, error, 'app page');
    if (appRemoved(error)) {
      // The app was removed from this portal (an uninstall whose event we never heard): say so, and find out.
      deps.uninstallReports?.suspect(stored.memberId);
      return { refusal: 'not_installed' };
    }
    return unverified;
  }
}

async function sendPage(res: Response, deps: { pages: ClientPages; config: AppConfig }, page: ClientPage, portalEndpoints: string[]): Promise<void> {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Security-Policy', pageContentSecurityPolicy(portalEndpoints, { development: deps.config.nodeEnv === 'development' }));
  res.type('html').send(await deps.pages.html(page));
}

function refuseUnverified(req: Request, res: Response, logger: Logger, error: unknown, where: string): void {
  logUnverified(logger, error, where);
  const [status, reason] = unverifiedRefusal(error);
  if (error instanceof OpeningBudgetExceededError) res.setHeader('Retry-After', String(error.retryAfterSeconds));
  sendRefusal(req, res, status, reason);
}

function unverifiedRefusal(error: unknown): [number, RefusalReason] {
  if (error instanceof OpeningBudgetExceededError) return [429, 'busy'];
  if (error instanceof OAuthError && (error.code === 'unavailable' || error.code === 'bad_answer')) return [502, 'oauth_unreachable'];
  if (error instanceof OAuthError && error.code === 'invalid_client') return [502, 'registration_invalid'];
  if (error instanceof BitrixError) return [502, 'portal_unreachable'];
  if (error instanceof OAuthError || error instanceof ForgedOpeningError) return [401, 'not_confirmed'];
  throw error;
}

function logUnverified(logger: Logger, error: unknown, where: string): void {
  const code =
    error instanceof OAuthError || error instanceof BitrixError ? error.code : error instanceof ForgedOpeningError ? 'forged' : error instanceof OpeningBudgetExceededError ? 'budget_exceeded' : 'unexpected';
  logger.warn({ where, code }, 'opening not verified');
}

function methodNotAllowed(allow: string): RequestHandler {
  return (_req, res) => {
    res.setHeader('Allow', allow);
    res.status(405).json({ error: 'METHOD_NOT_ALLOWED', message: `Use ${allow}` });
  };
}
