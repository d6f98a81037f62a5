import { Router } from 'express';
import type { AppConfig } from '../config.js';
import type { PortalStore } from '../storage/portalStore.js';
import { missingScopes } from '../bitrix/scopes.js';
import { methodsOnly } from '../http/methodNotAllowed.js';

/** What the frame needs to know before it offers anything: who the caller is and whether sending can work. */
export interface StatusAnswer {
  user: { id: number; isAdmin: boolean };
  portal: { installState: 'new' | 'installed'; appName: string };
  /** Whether the caller's own stored authorization (used to send) is live. */
  callerAuthorization: 'live' | 'dead' | 'none';
  /** Admins with live stored authorization: scheduled sends need at least one. */
  liveAdmins: number;
  /** Scopes the app needs that the portal says it lacks (an app version with fewer scopes); empty while unknown. */
  missingScopes: string[];
}

export function statusRoute(deps: { config: AppConfig; store: PortalStore }): Router {
  const router = Router();
  router.route('/status').all(methodsOnly('GET')).get(async (req, res) => {
    const caller = req.caller!;
    const [own, admins] = await Promise.all([deps.store.getUserTokens(caller.memberId, caller.userId), deps.store.listLiveAdmins(caller.memberId)]);
    const answer: StatusAnswer = {
      user: { id: caller.userId, isAdmin: caller.isAdmin },
      portal: { installState: caller.portal.installState === 'installed' ? 'installed' : 'new', appName: caller.portal.appName },
      callerAuthorization: own ? own.tokenState : 'none',
      liveAdmins: admins.length,
      missingScopes: own?.scope ? missingScopes(own.scope) : [],
    };
    res.setHeader('Cache-Control', 'no-store');
    res.json(answer);
  });
  return router;
}
