import { z } from 'zod';
import type { RecipientSummary } from '../../contract/recipients.js';

/**
 * Rows of `user.get` / `user.search` (decision 0010, fact 22) as the picker and the preview show them. Only
 * active employees can receive a push: extranet, e-mail and bot users and deactivated accounts are not
 * recipients, whatever the filter sent to the portal did.
 */

/** An employee as the picker and the preview show them (the API contract's RecipientSummary). */
export type { RecipientSummary };

/** The filter every recipient listing carries ('Y' reads as active whether the portal takes it as a flag or as a boolean). */
export const EMPLOYEE_FILTER = { ACTIVE: 'Y', USER_TYPE: 'employee' } as const;

const text = z.preprocess((value) => (typeof value === 'string' ? value.trim() : ''), z.string());

const userRow = z.object({
  ID: z.coerce.number().int().positive(),
  ACTIVE: z.unknown(),
  USER_TYPE: z.unknown(),
  NAME: text,
  LAST_NAME: text,
  SECOND_NAME: text.optional(),
  WORK_POSITION: text.optional(),
  PERSONAL_PHOTO: z.unknown().optional(),
  UF_DEPARTMENT: z.unknown().optional(),
});

function isActive(value: unknown): boolean {
  return value === true || value === 'Y' || value === 'true' || value === 1 || value === '1';
}

function departmentIdsOf(value: unknown): number[] {
  const list = Array.isArray(value) ? value : value === undefined || value === null || value === '' ? [] : [value];
  return list.map(Number).filter((id) => Number.isSafeInteger(id) && id > 0);
}

/** An active employee's summary, or null for anyone who cannot receive a push (or a malformed row). */
export function employeeOf(row: unknown): RecipientSummary | null {
  const parsed = userRow.safeParse(row);
  if (!parsed.success) return null;
  const user = parsed.data;
  if (!isActive(user.ACTIVE) || user.USER_TYPE !== 'employee') return null;
  const fullName = [user.NAME, user.SECOND_NAME, user.LAST_NAME].filter(Boolean).join(' ') || `#${user.ID}`;
  const photo = typeof user.PERSONAL_PHOTO === 'string' && /^https?:\/\//i.test(user.PERSONAL_PHOTO) ? user.PERSONAL_PHOTO : null;
  return { id: user.ID, fullName, position: user.WORK_POSITION ?? '', photo, departmentIds: departmentIdsOf(user.UF_DEPARTMENT) };
}
