import { z } from 'zod';

/** `GET /api/status`: what the frame needs to know before it offers anything (any user of the portal). */
export const statusAnswerSchema = z
  .object({
    user: z.object({ id: z.number().int(), isAdmin: z.boolean() }).describe('The caller, as Bitrix24 vouched for their token.'),
    portal: z.object({ installState: z.enum(['new', 'installed']), appName: z.string() }),
    callerAuthorization: z.enum(['live', 'dead', 'none']).describe("Whether the caller's own stored authorization (used to send) is live."),
    liveAdmins: z.number().int().nonnegative().describe('Admins with live stored authorization: scheduled sends need at least one.'),
    missingScopes: z.array(z.string()).describe('Scopes the app needs that the portal says it lacks (an app version with fewer scopes); empty while unknown.'),
  })
  .describe('Who the caller is and whether sending can work.');
export type StatusAnswer = z.infer<typeof statusAnswerSchema>;
