import { getCi, isRecord, phpInt, type Params } from '../phpParams.js';
import { errors, RestError } from '../restAnswer.js';
import type { CallContext, MethodTable } from './types.js';

/** Events an app may bind here; others answer ERROR_EVENT_NOT_FOUND. */
export const KNOWN_EVENTS = new Set([
  'ONAPPINSTALL',
  'ONAPPUNINSTALL',
  'ONAPPUPDATE',
  'ONAPPPAYMENT',
  'ONAPPTEST',
  'ONAPPMETHODCONFIRM',
  'ONUSERADD',
  'ONSONETGROUPADD',
  'ONSONETGROUPUPDATE',
  'ONSONETGROUPDELETE',
  'ONCRMDEALADD',
  'ONCRMDEALUPDATE',
]);

export const KNOWN_PLACEMENTS = ['LEFT_MENU', 'REST_APP_URI', 'PAGE_BACKGROUND_WORKER', 'USER_PROFILE_MENU', 'USER_PROFILE_TOOLBAR', 'CRM_DEAL_DETAIL_TAB', 'IM_NAVIGATION', 'SONET_GROUP_DETAIL_TAB'];

function requireAppContext(ctx: CallContext): void {
  if (ctx.auth.kind !== 'app') throw errors.wrongAuthType();
}

function isAdmin(ctx: CallContext): boolean {
  return ctx.portal.directory.user(ctx.auth.userId)?.admin === true;
}

function text(params: Params, key: string): string {
  const value = getCi(params, key);
  return typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
}

interface EventArguments {
  event: string;
  handler: string;
  offline: boolean;
  authType: number;
}

/** event.bind and event.unbind: a call in app context naming an event, a handler, its type and auth_type. */
function eventArguments(params: Params, ctx: CallContext): EventArguments {
  requireAppContext(ctx);
  return {
    event: text(params, 'event').toUpperCase(),
    handler: text(params, 'handler'),
    offline: text(params, 'event_type').toLowerCase() === 'offline',
    authType: phpInt(getCi(params, 'auth_type')),
  };
}

/** Offline events and another user's auth_type need an admin, for binding and unbinding alike. */
function requireEventRights(ctx: CallContext, { offline, authType }: EventArguments, action: 'binding' | 'unbinding', admin: boolean): void {
  if (offline && !admin) throw errors.accessDenied(`Access denied! Offline events ${action} requires administrator access rights`);
  if (authType > 0 && authType !== ctx.auth.userId && !admin) {
    throw errors.accessDenied(`Access denied! Event ${action} with AUTH_TYPE requires administrator access rights`);
  }
}

/** placement.bind and placement.unbind: an admin's call in app context naming a PLACEMENT (required) and maybe a HANDLER. */
function placementArguments(params: Params, ctx: CallContext): { placement: string; handler: string } {
  requireAppContext(ctx);
  if (!isAdmin(ctx)) throw errors.accessDenied();
  const placement = text(params, 'PLACEMENT').toUpperCase();
  // UNCONFIRMED: placement.bind's method page lists ERROR_ARGUMENT with status 200; we answer 400 like other argument errors.
  if (!placement) throw errors.argument('PLACEMENT');
  return { placement, handler: text(params, 'HANDLER') };
}

export const bindingMethods: MethodTable = {
  // Any user may bind online events for themselves; offline events and another user's auth_type need an admin.
  'event.bind': {
    scopes: null,
    handle(params, ctx) {
      const args = eventArguments(params, ctx);
      const { event, handler, offline, authType } = args;
      if (!event || !KNOWN_EVENTS.has(event)) throw new RestError(400, 'ERROR_EVENT_NOT_FOUND', 'Event not found');
      requireEventRights(ctx, args, 'binding', isAdmin(ctx));
      if (!offline && !handler) throw errors.argument('handler');
      const bindings = ctx.portal.eventBindings;
      if (bindings.some((b) => b.event === event && b.handler === handler && b.authType === authType && b.offline === offline)) {
        throw new RestError(400, 'ERROR_CORE', 'Handler already binded');
      }
      bindings.push({ event, handler, authType, offline, userId: ctx.auth.userId });
      return { result: true };
    },
  },
  'event.unbind': {
    scopes: null,
    handle(params, ctx) {
      const args = eventArguments(params, ctx);
      const { event, handler, offline, authType } = args;
      const authTypeGiven = getCi(params, 'auth_type') !== undefined;
      const admin = isAdmin(ctx);
      requireEventRights(ctx, args, 'unbinding', admin);
      const bindings = ctx.portal.eventBindings;
      let count = 0;
      for (let i = bindings.length - 1; i >= 0; i--) {
        const b = bindings[i];
        if (!b) continue;
        if (event && b.event !== event) continue;
        if (handler && b.handler !== handler) continue;
        if (b.offline !== offline) continue;
        if (authTypeGiven && b.authType !== authType) continue;
        if (!admin && b.userId !== ctx.auth.userId) continue;
        bindings.splice(i, 1);
        count++;
      }
      return { result: { count } };
    },
  },
  'event.get': {
    scopes: null,
    handle(_params, ctx) {
      requireAppContext(ctx);
      const admin = isAdmin(ctx);
      const visible = ctx.portal.eventBindings.filter((b) => admin || b.userId === ctx.auth.userId);
      return {
        result: visible.map((b) => ({ event: b.event, handler: b.handler, auth_type: String(b.authType), offline: b.offline ? 1 : 0 })),
      };
    },
  },
  'placement.bind': {
    scopes: ['placement'],
    handle(params, ctx) {
      const { placement, handler } = placementArguments(params, ctx);
      if (!handler) throw errors.argument('HANDLER');
      if (!KNOWN_PLACEMENTS.includes(placement)) throw new RestError(400, 'ERROR_PLACEMENT_NOT_FOUND', 'Placement not found');
      const bindings = ctx.portal.placementBindings;
      if (bindings.some((b) => b.placement === placement && b.handler === handler)) {
        throw new RestError(400, 'ERROR_CORE', 'Unable to set placement handler: Handler already binded');
      }
      const langAll = getCi(params, 'LANG_ALL');
      const options = getCi(params, 'OPTIONS');
      bindings.push({
        placement,
        handler,
        title: text(params, 'TITLE'),
        description: text(params, 'DESCRIPTION'),
        groupName: text(params, 'GROUP_NAME'),
        langAll: isRecord(langAll) ? langAll : {},
        options: isRecord(options) ? options : {},
      });
      return { result: true };
    },
  },
  'placement.unbind': {
    scopes: ['placement'],
    handle(params, ctx) {
      const { placement, handler } = placementArguments(params, ctx);
      const bindings = ctx.portal.placementBindings;
      let count = 0;
      for (let i = bindings.length - 1; i >= 0; i--) {
        const b = bindings[i];
        if (b && b.placement === placement && (!handler || b.handler === handler)) {
          bindings.splice(i, 1);
          count++;
        }
      }
      return { result: { count } };
    },
  },
  'placement.get': {
    scopes: ['placement'],
    handle(_params, ctx) {
      requireAppContext(ctx);
      return {
        result: ctx.portal.placementBindings.map((b) => ({
          placement: b.placement,
          handler: b.handler,
          title: b.title,
          description: b.description,
          groupName: b.groupName,
          options: b.options,
          langAll: b.langAll,
        })),
      };
    },
  },
  'placement.list': {
    scopes: ['placement'],
    handle: () => ({ result: [...KNOWN_PLACEMENTS] }),
  },
};
