import { z } from 'zod';

/**
 * Who a push goes to, as the composer (or an API client) chooses it: any mix of single employees,
 * departments (optionally with their sub-departments), workgroups, everybody, and Bitrix24 access codes
 * exactly as `BX24.selectAccess` returns them. Stored with the send as chosen; resolved to active
 * employees (server/audience/resolveAudience.ts) only when it is sent or previewed.
 */

/** Explicit user ids per send. Larger audiences are chosen as departments, groups or everybody. */
export const MAX_EXPLICIT_USERS = 5_000;
export const MAX_DEPARTMENTS = 500;
export const MAX_GROUPS = 500;
export const MAX_ACCESS_CODES = 5_000;

/**
 * Access codes the app can send to: `U<id>` a user (`IU<id>`, the same user as an intranet employee), `D<id>` a department's own members, `DR<id>` a
 * department with its sub-departments, `SG<id>` a workgroup's members (`SG<id>_K` members, `_E`
 * moderators and the owner, `_A` the owner: the role suffixes are UNCONFIRMED for selectAccess, so both
 * spellings are taken), `AU` all authorised users (for this app: all active employees).
 */
export const ACCESS_CODE = /^(?:AU|I?U[1-9]\d{0,9}|DR?[1-9]\d{0,9}|SG[1-9]\d{0,9}(?:_[AEK])?)$/;

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
  });

export type Audience = z.infer<typeof audienceSchema>;

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
