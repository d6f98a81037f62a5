import type { Translate } from '../../lib/i18n';
import { picksFromAudience, USER_CODE, type PortalNames } from '../../entities/audience/named';
import type { Audience, Pick } from '../../entities/audience/selection';
import { picksInWords } from '../../entities/audience/inWords';

/**
 * A send's audience as the history names it: "Sales and its sub-departments, Anna Smith and 3 more", by
 * the names the portal has now (../../entities/audience/named.ts, as "send again" names them). Only the
 * first HISTORY_NAMES picks are named, so a page of history reads a few people and the directory, not
 * everyone ever sent to.
 */

export const HISTORY_NAMES = 3;

const UNNAMED: PortalNames = { users: null, departments: null, groups: null };

function shownPicks(audience: Audience): Pick[] {
  return picksFromAudience(audience, UNNAMED, (key) => key).slice(0, audience.all ? 1 : HISTORY_NAMES + 1);
}

/** What naming the audience needs: the people among the picks shown, and whether a department or group is. */
export function namesWanted(audience: Audience | null): { userIds: number[]; directory: boolean } {
  if (!audience) return { userIds: [], directory: false };
  const userIds: number[] = [];
  let directory = false;
  for (const pick of shownPicks(audience)) {
    if (pick.kind === 'user') userIds.push(pick.id);
    else if (pick.kind === 'department' || pick.kind === 'group') directory = true;
    else if (pick.kind === 'access') {
      const user = USER_CODE.exec(pick.code);
      if (user) userIds.push(Number(user[1]));
      else if (pick.code !== 'AU') directory = true;
    }
  }
  return { userIds, directory };
}

export function audienceInWords(audience: Audience, names: PortalNames, t: Translate): string {
  return picksInWords(picksFromAudience(audience, names, t), t, HISTORY_NAMES + 1);
}
