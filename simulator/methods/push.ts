import { getCi, phpEmpty, phpInt, type Params } from '../phpParams.js';
import { deviceTexts, type DeviceTexts } from '../pushDevices.js';
import { RestError } from '../restAnswer.js';
import type { MethodTable } from './types.js';

/**
 * USER_ID as the portal reads it: an int, an array, or a JSON string ("5", "[1,2]"); every value cast
 * to int, values <= 0 and duplicates dropped. Never an error, no maximum, no existence check.
 */
export function normaliseUserIds(value: unknown): number[] {
  let raw: unknown = value;
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch {
      // Not JSON: PHP casts the string itself.
    }
  }
  const list = Array.isArray(raw) ? raw : raw !== null && typeof raw === 'object' ? Object.values(raw) : raw === undefined || raw === null ? [] : [raw];
  const ids = new Set<number>();
  for (const item of list) {
    const id = phpInt(item);
    if (id > 0) ids.add(id);
  }
  return [...ids];
}

export const pushMethods: MethodTable = {
  /**
   * Checks in the portal's order (decision 0010, fact 19); the scope was already checked before the method ran.
   * `true` means accepted: who really gets a push (existing, active, push enabled) is decided later, on
   * the phone side. The device shows title = the app's registered name, body = TEXT. The simulator
   * keeps the text exactly as sent, and beside it what an iPhone and an Android phone show of it by the
   * core's payload rules (../pushDevices.ts: an iPhone cuts bytes at 2,048 and gets nothing when the cut
   * splits a character; Android cuts whole characters at 4,096).
   */
  'pull.application.push.add': {
    scopes: ['pull'],
    handle(params: Params, ctx) {
      if (ctx.auth.kind !== 'app') throw new RestError(403, 'WRONG_AUTH_TYPE', 'Send push notifications available only for application authorization.');
      const sender = ctx.portal.directory.user(ctx.auth.userId);
      if (!sender?.admin) throw new RestError(400, 'ACCESS_ERROR', 'You do not have access to send push notifications');
      const userIds = normaliseUserIds(getCi(params, 'USER_ID'));
      const text = getCi(params, 'TEXT');
      if (phpEmpty(text)) throw new RestError(400, 'TEXT_ERROR', 'Text can\'t be empty');
      const title = ctx.portal.appName;
      if (phpEmpty(title)) throw new RestError(400, 'EMPTY_APP_NAME', 'For send push-notification application name can\'t be empty');
      const avatar = getCi(params, 'AVATAR');
      const message = { title, text: typeof text === 'string' ? text : String(text), avatar: typeof avatar === 'string' ? avatar : '' };
      // The same for every recipient: what differs per user (the 32-character target hash) never changes a payload's length.
      let devices: DeviceTexts | undefined;
      for (const userId of userIds) {
        const user = ctx.portal.directory.user(userId);
        if (!user || !user.active || !user.pushEnabled) continue;
        devices ??= deviceTexts({ ...message, clientId: ctx.portal.app.clientId, userId, memberId: ctx.portal.memberId, now: ctx.portal.clock.now() });
        ctx.portal.recordPush({ userId, ...message, senderId: ctx.auth.userId, devices });
      }
      return { result: true };
    },
  },
};
