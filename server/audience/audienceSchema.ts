import type { Audience } from '../../contract/audience.js';

/**
 * Who a push goes to is the API contract's (contract/audience.ts: `audienceSchema`, with its limits and
 * access codes); this file folds an audience into the plan its resolution (./resolveAudience.ts) works from.
 */

export { audienceSchema, type Audience } from '../../contract/audience.js';

export type GroupRole = 'A' | 'E' | 'K';
const ALL_MEMBERS: ReadonlySet<GroupRole> = new Set(['A', 'E', 'K']);
const ROLES_OF_SUFFIX: Record<string, ReadonlySet<GroupRole>> = { K: ALL_MEMBERS, E: new Set(['A', 'E']), A: new Set(['A']) };

/** An audience with access codes folded in: what resolution works from. */
export interface AudiencePlan {
  all: boolean;
  users: ReadonlySet<number>;
  /** Department id -> whether its sub-departments are included. */
  departments: ReadonlyMap<number, boolean>;
  /** Group id -> the member roles included. */
  groups: ReadonlyMap<number, ReadonlySet<GroupRole>>;
}

export function planAudience(audience: Audience): AudiencePlan {
  const users = new Set(audience.users ?? []);
  const departments = new Map<number, boolean>();
  const groups = new Map<number, Set<GroupRole>>();
  let all = audience.all === true;

  const addDepartment = (id: number, withSubdepartments: boolean) => departments.set(id, withSubdepartments || departments.get(id) === true);
  const addGroup = (id: number, roles: ReadonlySet<GroupRole>) => {
    const current = groups.get(id) ?? new Set<GroupRole>();
    for (const role of roles) current.add(role);
    groups.set(id, current);
  };

  for (const choice of audience.departments ?? []) addDepartment(choice.id, choice.withSubdepartments);
  for (const id of audience.groups ?? []) addGroup(id, ALL_MEMBERS);
  for (const code of audience.accessCodes ?? []) {
    if (code === 'AU') all = true;
    else if (code.startsWith('U')) users.add(Number(code.slice(1)));
    else if (code.startsWith('IU')) users.add(Number(code.slice(2)));
    else if (code.startsWith('DR')) addDepartment(Number(code.slice(2)), true);
    else if (code.startsWith('D')) addDepartment(Number(code.slice(1)), false);
    else {
      const [id, suffix] = code.slice(2).split('_');
      addGroup(Number(id), suffix ? (ROLES_OF_SUFFIX[suffix] ?? ALL_MEMBERS) : ALL_MEMBERS);
    }
  }
  return { all, users, departments, groups };
}
