import { z } from 'zod';
import { ACCESS_CODE, MAX_ACCESS_CODES, MAX_DEPARTMENTS, MAX_EXPLICIT_USERS, MAX_GROUPS } from './constants.js';
import { recipientSummarySchema } from './recipients.js';

/**
 * Who a push goes to, as the composer (or an API client) chooses it: any mix of single employees,
 * departments (optionally with their sub-departments), workgroups, everybody, and Bitrix24 access codes
 * exactly as `BX24.selectAccess` returns them. Stored with the send as chosen; resolved to active
 * employees (server/audience/resolveAudience.ts) only when it is sent or previewed.
 */

const entityId = (what: string) =>
  z
    .number({ error: `${what} ids must be numbers.` })
    .int(`${what} ids must be whole numbers.`)
    .positive(`${what} ids must be positive.`)
    .max(2_147_483_647, `${what} ids must be real Bitrix24 ids.`);

const departmentChoice = z.strictObject({
  id: entityId('Department'),
  withSubdepartments: z.boolean({ error: 'withSubdepartments must be true or false.' }).default(false),
});

export const audienceSchema = z
  .strictObject(
    {
      all: z.boolean({ error: 'all must be true or false.' }).optional(),
      users: z.array(entityId('User')).max(MAX_EXPLICIT_USERS, `Choose at most ${MAX_EXPLICIT_USERS} single employees; pick departments or everybody for more.`).optional(),
      departments: z.array(departmentChoice).max(MAX_DEPARTMENTS, `Choose at most ${MAX_DEPARTMENTS} departments.`).optional(),
      groups: z.array(entityId('Group')).max(MAX_GROUPS, `Choose at most ${MAX_GROUPS} groups.`).optional(),
      accessCodes: z
        .array(
          z
            .string({ error: 'Access codes are strings such as U5, D3, DR3, SG7 or AU.' })
            .regex(ACCESS_CODE, 'Only access codes for users (U…, IU…), departments (D…, DR…), workgroups (SG…) or all employees (AU) can receive pushes.'),
        )
        .max(MAX_ACCESS_CODES, `Choose at most ${MAX_ACCESS_CODES} access codes.`)
        .optional(),
    },
    { error: 'The recipients must be an object such as {"users": [5]}.' },
  )
  .refine((audience) => audience.all === true || Boolean(audience.users?.length || audience.departments?.length || audience.groups?.length || audience.accessCodes?.length), {
    message: 'Choose at least one recipient.',
  })
  .describe('The recipients: at least one of all, users, departments, groups or accessCodes.');

/** An audience as parsed (and as stored with a send: `withSubdepartments` filled in). */
export type Audience = z.infer<typeof audienceSchema>;
/** An audience as a request may write it (`withSubdepartments` may be left out: false). */
export type AudienceInput = z.input<typeof audienceSchema>;

/** `POST /api/audience/preview`. */
export const audiencePreviewRequestSchema = z.strictObject({ audience: audienceSchema }, { error: 'The request body must be a JSON object with "audience".' });
export type AudiencePreviewRequest = z.input<typeof audiencePreviewRequestSchema>;

export const audiencePreviewAnswerSchema = z
  .object({
    count: z.number().int().nonnegative().describe('Active employees the audience reaches, resolved exactly as a send would resolve it.'),
    sample: z.array(recipientSummarySchema).describe('A few of them.'),
    unreachableUsers: z.array(z.number().int()).describe('Explicitly chosen users who cannot get a push (deactivated, extranet, e-mail, bot or unknown).'),
  })
  .describe('How many people an audience reaches.');
export type AudiencePreviewAnswer = z.infer<typeof audiencePreviewAnswerSchema>;
