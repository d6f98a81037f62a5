import { z } from 'zod';

/**
 * Every refusal of /api/ (and of the app's other JSON endpoints): a stable code, a readable message,
 * and for a 400 the request field at fault. Each code has its text in every language in contract/texts/
 * (one file per language): the server answers it as `message`, the frame shows its own copy for the
 * code. Some answers add to it (./sends.ts: a failed send carries the send; ./audience.ts: missing
 * departments or groups carry their ids).
 */
export const errorAnswerSchema = z
  .object({
    error: z.string().describe('A stable code to branch on, e.g. TEXT_TOO_LONG, AUTH_REQUIRED, TOKEN_EXPIRED, NOT_ADMIN, SEND_NOT_FOUND, TOO_MANY_REQUESTS.'),
    message: z
      .string()
      .describe('What went wrong, for the admin, in the language of Accept-Language (en, ru, de; else English): the text for `error` (contract/texts/), naming the field by its name ("Send time").'),
    field: z.string().optional().describe('For a 400: the request field at fault, as a dotted path (e.g. "audience.users.0").'),
    detail: z.string().optional().describe('For developers, in English: the rule the request broke (e.g. "sendAt must include its time zone"). Apps show `message`, never this.'),
    ids: z.array(z.number().int()).optional().describe('DEPARTMENT_NOT_FOUND / GROUP_NOT_FOUND: the ids the portal does not have.'),
  })
  .describe('An error answer.');
export type ErrorAnswer = z.infer<typeof errorAnswerSchema>;
