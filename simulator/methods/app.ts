import { RestError } from '../restAnswer.js';
import { phpEmpty } from '../phpParams.js';
import type { MethodTable, PortalState } from './types.js';

/** app.info's answer; also what the OAuth server's app.info builds on. */
export function appInfo(portal: PortalState): Record<string, unknown> {
  const language = portal.language;
  return {
    ID: 17,
    CODE: portal.app.code ?? portal.app.clientId,
    VERSION: portal.app.version ?? 1,
    STATUS: portal.appStatus,
    INSTALLED: portal.installState === 'installed',
    PAYMENT_EXPIRED: 'N',
    DAYS: null,
    LANGUAGE_ID: language,
    LICENSE: `${language}_pro100`,
    LICENSE_TYPE: 'pro100',
    LICENSE_FAMILY: 'pro',
  };
}

/** Every scope this simulated Bitrix24 has (what `scope` with `full` lists). */
export const PORTAL_SCOPES = ['user', 'user_basic', 'user_brief', 'department', 'sonet_group', 'pull', 'placement', 'im', 'crm', 'task', 'calendar', 'disk', 'entity', 'log'];

export const appMethods: MethodTable = {
  // api-reference/common/system/scope.md: the caller's granted scopes (without `basic`); `full` = all the portal has.
  scope: {
    scopes: null,
    handle(params, ctx) {
      return { result: phpEmpty(params.full) ? [...ctx.auth.scope] : [...PORTAL_SCOPES] };
    },
  },
  'app.info': {
    scopes: null,
    handle(_params, ctx) {
      if (ctx.auth.kind !== 'app') throw new RestError(400, 'ACCESS_DENIED', 'Access denied! Application context required');
      return { result: appInfo(ctx.portal) };
    },
  },
};

