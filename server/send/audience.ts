import { audienceSchema } from '../audience/audienceSchema.js';
import { resolveAudienceIds } from '../audience/resolveAudience.js';
import type { DepartmentTreeCache } from '../audience/departmentTreeCache.js';
import type { AudienceModule } from './wiring.js';

/** The audience a send accepts and how it is resolved: server/audience, sharing the app's department tree cache. */
export function sendAudience(treeCache: DepartmentTreeCache): AudienceModule {
  return {
    schema: audienceSchema,
    resolve: (callRest, audience, { memberId }) => resolveAudienceIds(callRest, audience, { memberId, treeCache }),
  };
}
