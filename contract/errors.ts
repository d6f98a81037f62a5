import { z } from 'zod';

/**
 * Every refusal of /api/ (and of the app's other JSON endpoints): a stable code, a readable message,
 * and for a 400 the request field at fault. Some answers add to it (./sends.ts: a failed send carries
 * the send; ./audience.ts: missing departments or groups carry their ids).
 */
export const errorAnswerSchema = z
  .object({
    error: z.string().describe('A stable code to branch on, e.g. TEXT_TOO_LONG, AUTH_REQUIRED, TOKEN_EXPIRED, NOT_ADMIN, SEND_NOT_FOUND, TOO_MANY_REQUESTS.'),
    message: z.string().describe('What went wrong, readable, in the language of Accept-Language where the server has it (en, ru, de).'),
    field: z.string().optional().describe('For a 400: the request field at fault, as a dotted path (e.g. "audience.users.0").'),
    ids: z.array(z.number().int()).optional().describe('DEPARTMENT_NOT_FOUND / GROUP_NOT_FOUND: the ids the portal does not have.'),
  })
  .describe('An error answer.');
export type ErrorAnswer = z.infer<typeof errorAnswerSchema>;
