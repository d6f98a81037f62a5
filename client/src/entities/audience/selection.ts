import { ACCESS_CODE, type Audience } from '../../lib/contract';

/**
 * What the admin has picked, as chips: each item knows its label for display and turns into the
 * API contract's audience (contract/audience.ts) by `toAudience`.
 */

export type Pick =
  | { kind: 'all' }
  | { kind: 'user'; id: number; label: string; photo?: string | null }
  | { kind: 'department'; id: number; label: string; withSubdepartments: boolean }
  | { kind: 'group'; id: number; label: string }
  /** A code from Bitrix24's own access dialog, taken as it is. */
  | { kind: 'access'; code: string; label: string };

export type { Audience };

/** Codes from BX24.selectAccess the server can send to (the contract's ACCESS_CODE). */
export const SENDABLE_ACCESS_CODE = ACCESS_CODE;

export function pickKey(pick: Pick): string {
  switch (pick.kind) {
    case 'all':
      return 'all';
    case 'user':
      return `U${pick.id}`;
    case 'department':
      return `${pick.withSubdepartments ? 'DR' : 'D'}${pick.id}`;
    case 'group':
      return `SG${pick.id}`;
    case 'access':
      return pick.code;
  }
}

/** Adds a pick unless the same one is there (a department with and without sub-departments are two picks). */
export function addPick(picks: readonly Pick[], pick: Pick): Pick[] {
  const key = pickKey(pick);
  return picks.some((existing) => pickKey(existing) === key) ? [...picks] : [...picks, pick];
}

export function toAudience(picks: readonly Pick[]): Audience | null {
  if (picks.length === 0) return null;
  if (picks.some((pick) => pick.kind === 'all')) return { all: true };
  const audience: Required<Audience> = { all: false, users: [], departments: [], groups: [], accessCodes: [] };
  for (const pick of picks) {
    if (pick.kind === 'user') audience.users.push(pick.id);
    else if (pick.kind === 'department') audience.departments.push({ id: pick.id, withSubdepartments: pick.withSubdepartments });
    else if (pick.kind === 'group') audience.groups.push(pick.id);
    else if (pick.kind === 'access') audience.accessCodes.push(pick.code);
  }
  const out: Audience = {};
  if (audience.users.length) out.users = audience.users;
  if (audience.departments.length) out.departments = audience.departments;
  if (audience.groups.length) out.groups = audience.groups;
  if (audience.accessCodes.length) out.accessCodes = audience.accessCodes;
  return out;
}
