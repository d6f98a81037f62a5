import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from '../logger.js';
import type { AppConfig } from '../config.js';
import type { ClientPage, ClientPages } from '../http/clientPages.js';
import { pageContentSecurityPolicy } from '../http/securityHeaders.js';
import { OAuthError, type OAuthClient } from '../bitrix/oauthClient.js';
import { BitrixError, type RestCallOptions } from '../bitrix/restClient.js';
import type { PortalStore } from '../storage/portalStore.js';
import { describeIssues, frameOpenForm } from './requestSchemas.js';
import { ForgedOpeningError, verifyOpening, type VerifiedOpening } from './verifyOpening.js';
import { portalFromGrant, tokensFromGrant } from './grantRecords.js';
import { OpeningBudgetExceededError, type OpeningBudget } from './openingBudget.js';

export interface OpeningDependencies {
  config: AppConfig;
  logger: Logger;
  pages: ClientPages;
  store: PortalStore;
  /** Null while B24_CLIENT_ID/B24_CLIENT_SECRET are not configured. */
  oauth: OAuthClient | null;
  rest?: RestCallOptions;
  /** Bounds the OAuth grants that openings nobody has vouched for can spend. */
  openingBudget: OpeningBudget;
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
      return refuse(res, 400, `This page is opened by Bitrix24 when the app is installed (${describeIssues(form.error)}).`);
    }
    if (!deps.oauth) {
      return refuse(res, 503, 'The app is not configured yet: its operator must set B24_CLIENT_ID and B24_CLIENT_SECRET.');
    }
    let opening: VerifiedOpening;
    try {
      const oauth = deps.oauth;
      opening = await deps.openingBudget.verify(req.ip ?? '', () => verifyOpening(form.data, oauth, deps.rest));
    } catch (error) {
      return refuseUnverified(res, logger, error, 'install');
    }
    const { grant, user, scopes } = opening;
    if (!user.isAdmin) {
      return refuse(res, 403, 'Only a portal administrator can install this app.');
    }
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
    await sendPage(res, deps, 'index', await keepOpeningTokens(req, deps));
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
async function keepOpeningTokens(req: Request, deps: OpeningDependencies): Promise<string[]> {
  const form = frameOpenForm.safeParse(req.body);
  if (!form.success) return [];
  const stored = await deps.store.getPortal(form.data.member_id.toLowerCase());
  if (!stored) return [];
  const uninstalled = stored.installState === 'uninstalled';
  if (!deps.oauth) return uninstalled ? [] : [stored.clientEndpoint];
  try {
    const oauth = deps.oauth;
    const { grant, user, scopes } = await deps.openingBudget.verify(req.ip ?? '', () => verifyOpening(form.data, oauth, deps.rest));
    if (grant.memberId !== stored.memberId) return uninstalled ? [] : [stored.clientEndpoint];
    if (uninstalled && !user.isAdmin) return [];
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
    return [grant.clientEndpoint];
  } catch (error) {
    logUnverified(deps.logger, error, 'app page');
    return uninstalled ? [] : [stored.clientEndpoint];
  }
}

async function sendPage(res: Response, deps: { pages: ClientPages; config: AppConfig }, page: ClientPage, portalEndpoints: string[]): Promise<void> {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Security-Policy', pageContentSecurityPolicy(portalEndpoints, { development: deps.config.nodeEnv === 'development' }));
  res.type('html').send(await deps.pages.html(page));
}

function refuse(res: Response, status: number, message: string): void {
  res.status(status).setHeader('Cache-Control', 'no-store');
  res.type('text/plain; charset=utf-8').send(message);
}

function refuseUnverified(res: Response, logger: Logger, error: unknown, where: string): void {
  logUnverified(logger, error, where);
  if (error instanceof OpeningBudgetExceededError) {
    res.setHeader('Retry-After', String(error.retryAfterSeconds));
    return refuse(res, 429, `Too many installation attempts were made from here or at once. Try again in ${error.retryAfterSeconds} seconds.`);
  }
  if (error instanceof OAuthError && (error.code === 'unavailable' || error.code === 'bad_answer')) {
    return refuse(res, 502, 'Bitrix24’s authorization server could not be reached to verify this installation. Try again in a few minutes.');
  }
  if (error instanceof OAuthError && error.code === 'invalid_client') {
    return refuse(res, 502, 'The app’s registration with Bitrix24 is not valid (client id or secret). Please report this to the app’s vendor.');
  }
  if (error instanceof BitrixError) {
    return refuse(res, 502, 'Your portal could not be reached to verify this installation. Try again in a few minutes.');
  }
  if (error instanceof OAuthError || error instanceof ForgedOpeningError) {
    return refuse(res, 401, 'Bitrix24 did not confirm this installation. Start it again from the Market in your portal.');
  }
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
