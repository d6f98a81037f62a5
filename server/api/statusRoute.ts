import { Router } from 'express';
import type { AppConfig } from '../config.js';
import type { PortalStore } from '../storage/portalStore.js';
import { missingScopes } from '../bitrix/scopes.js';
import { methodsOnly } from '../http/methodNotAllowed.js';
import { statusAnswerSchema } from '../../contract/status.js';
import { answer } from './answer.js';

/** `GET /api/status` (contract/status.ts): what the frame needs to know before it offers anything. */
export function statusRoute(deps: { config: AppConfig; store: PortalStore }): Router {
  const router = Router();
  router.route('/status').all(methodsOnly('GET')).get(async (req, res) => {
    const caller = req.caller!;
    const [own, admins] = await Promise.all([deps.store.getUserTokens(caller.memberId, caller.userId), deps.store.listLiveAdmins(caller.memberId)]);
    res.setHeader('Cache-Control', 'no-store');
    answer(res, statusAnswerSchema, {
      user: { id: caller.userId, isAdmin: caller.isAdmin },
      portal: { installState: caller.portal.installState === 'installed' ? 'installed' : 'new', appName: caller.portal.appName },
      callerAuthorization: own ? own.tokenState : 'none',
      liveAdmins: admins.length,
      missingScopes: own?.scope ? missingScopes(own.scope) : [],
    });
  });
  return router;
}
