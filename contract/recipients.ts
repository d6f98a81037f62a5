import { z } from 'zod';
import { SEARCH_MAX_CHARS } from './constants.js';
import { storableText } from './text.js';

/**
 * What the recipient picker reads: `GET /api/recipients/search?q=` (active employees by name, position
 * or department) and `GET /api/recipients/directory` (the departments and workgroups to choose from).
 */

/** An active employee as the picker and the preview show them. */
export const recipientSummarySchema = z
  .object({
    id: z.number().int().positive(),
    fullName: z.string(),
    position: z.string(),
    photo: z.string().nullable().describe("The portal's own photo URL (it points at the portal), or null."),
    departmentIds: z.array(z.number().int().positive()),
  })
  .describe('An active employee (only they can receive a push).');
export type RecipientSummary = z.infer<typeof recipientSummarySchema>;

export const searchQuerySchema = z.strictObject({
  q: storableText(
    z
      .string({ error: 'Type a name, position or department to search for.' })
      .trim()
      .min(1, 'Type a name, position or department to search for.')
      .max(SEARCH_MAX_CHARS, `Search for at most ${SEARCH_MAX_CHARS} characters.`),
    'The search',
  ),
});
export type SearchQuery = z.input<typeof searchQuerySchema>;

export const recipientSearchAnswerSchema = z
  .object({ users: z.array(recipientSummarySchema).describe("Best matches first, as the portal orders them (up to 50).") })
  .describe('Employees found.');
export type RecipientSearchAnswer = z.infer<typeof recipientSearchAnswerSchema>;

export const departmentChoiceSchema = z.object({
  id: z.number().int().positive(),
  name: z.string(),
  parentId: z.number().int().positive().nullable(),
  sort: z.number(),
  headId: z.number().int().positive().nullable().describe("The department's head (UF_HEAD), who belongs to its audience even when their own department is another."),
});
export type DepartmentChoice = z.infer<typeof departmentChoiceSchema>;

export const groupChoiceSchema = z.object({
  id: z.number().int().positive(),
  name: z.string(),
  memberCount: z.number(),
  project: z.boolean(),
});
export type GroupChoice = z.infer<typeof groupChoiceSchema>;

export const recipientDirectorySchema = z
  .object({
    departments: z.array(departmentChoiceSchema).describe('Every department, by SORT then name.'),
    groups: z.array(groupChoiceSchema).describe('Every workgroup and project the administrator can see, by name.'),
  })
  .describe('What the picker offers to choose from.');
export type RecipientDirectory = z.infer<typeof recipientDirectorySchema>;
