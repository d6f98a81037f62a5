import { resolveAudienceIds } from '../audience/resolveAudience.js';
import type { DepartmentTreeCache } from '../audience/departmentTreeCache.js';
import type { AudienceModule } from './wiring.js';

/** How a send's audience is resolved: server/audience, sharing the app's department tree cache. */
export function sendAudience(treeCache: DepartmentTreeCache): AudienceModule {
  return {
    resolve: (callRest, audience, { memberId }) => resolveAudienceIds(callRest, audience, { memberId, treeCache }),
  };
}
