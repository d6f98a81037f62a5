import { z } from 'zod';
import type { AudienceModule } from './wiring.js';

/**
 * INTERIM until server/audience lands (written in parallel): explicit user ids only, taken as given.
 * Replace this file's body with a re-export of server/audience's audienceSchema and resolveAudience.
 */
const interimSchema = z.strictObject({ users: z.array(z.number().int().positive()).min(1).max(10_000) });

export const sendAudience: AudienceModule = {
  schema: interimSchema,
  resolve: async (_callRest, audience) => interimSchema.parse(audience).users,
};
