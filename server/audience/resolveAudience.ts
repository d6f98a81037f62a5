import type { CallRest } from '../bitrix/batch.js';
import { BITRIX_ERRORS } from '../bitrix/errorCatalog.js';
import type { BitrixError } from '../bitrix/restClient.js';
import { AudienceError } from './audienceErrors.js';
import { audienceSchema, planAudience, type AudiencePlan, type GroupRole } from './audienceSchema.js';
import { departmentListing, subtreeOf } from './departmentTree.js';
import type { DepartmentTree, DepartmentTreeCache } from './departmentTreeCache.js';
import { EMPLOYEE_FILTER, employeeOf, type RecipientSummary } from './employeeRows.js';
import { PAGE_SIZE, readListings, type Listing } from './pagedReader.js';

/**
 * Resolves an audience to the ids of the active employees in it, de-duplicated, with as few REST calls
 * as the platform allows: every list is read through `batch` (50 pages = 2,500 users per call), the
 * department tree is read once, and the users of all chosen departments come from one `user.get` list
 * filtered by their ids. Everybody: one list of all active employees, nothing else is read.
 */

export interface ResolvedAudience {
  /** Active employees, ascending ids. */
  userIds: number[];
  /** A few of them, for the preview. */
  sample: RecipientSummary[];
  /** Explicitly chosen users who cannot get a push (deactivated, extranet, e-mail, bot or unknown). */
  unreachableUsers: number[];
  /** `batch` calls made. */
  restCalls: number;
}

export interface ResolveContext {
  /** The portal, for the department tree cache. */
  memberId?: string;
  treeCache?: DepartmentTreeCache;
}

export const SAMPLE_SIZE = 10;
/**
 * Departments per `user.get` filter. Each id is one PHP input variable of the batch command, and PHP
 * parses at most `max_input_vars` (1,000 by default) of them: more would be dropped without a word.
 */
const DEPARTMENTS_PER_LIST = 200;
/** Read-ahead for user lists: fill the batch (their size is what the call count depends on). */
const USER_READ_AHEAD = 10_000;

function userListing(filter: Record<string, unknown>, onUser: (row: unknown) => void, readAhead = USER_READ_AHEAD): Listing {
  return {
    readAhead,
    command: (start) => ({ method: 'user.get', params: { FILTER: { ...EMPLOYEE_FILTER, ...filter }, sort: 'ID', order: 'ASC', ADMIN_MODE: true, start } }),
    onRows: (rows) => rows.forEach((row) => onUser(row)),
  };
}

function chunked<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/** Codes that mean the whole read cannot work (scope, auth, limits): not a missing group. */
function isSystemError(error: BitrixError): boolean {
  return error.code in BITRIX_ERRORS;
}

export async function resolveAudience(callRest: CallRest, audience: unknown, context: ResolveContext = {}): Promise<ResolvedAudience> {
  const plan: AudiencePlan = planAudience(audienceSchema.parse(audience));
  // Ids alone for everybody, summaries for the preview's sample only: a send to 100,000 people keeps
  // 100,000 numbers, not 100,000 names, photos and department lists (issue 14).
  const recipients = new Set<number>();
  const sample: RecipientSummary[] = [];
  const addEmployee = (row: unknown, accept?: (employee: RecipientSummary) => boolean) => {
    const employee = employeeOf(row);
    if (!employee || recipients.has(employee.id) || (accept && !accept(employee))) return;
    recipients.add(employee.id);
    if (sample.length < SAMPLE_SIZE) sample.push(employee);
  };

  const listings: Listing[] = [];
  /** Ids already being checked one by one (explicit users, group members). */
  const checking = new Set<number>();
  const checkUsers = (ids: readonly number[]): Listing[] => {
    const fresh = ids.filter((id) => !checking.has(id));
    fresh.forEach((id) => checking.add(id));
    return chunked(fresh, PAGE_SIZE).map((chunk) => userListing({ ID: chunk }, addEmployee, 0));
  };

  if (plan.all) {
    listings.push(userListing({}, addEmployee));
  } else {
    listings.push(...checkUsers([...plan.users].sort((a, b) => a - b)));

    if (plan.departments.size > 0) {
      const usersOfDepartments = (tree: DepartmentTree): Listing[] => {
        const missing = [...plan.departments.keys()].filter((id) => !tree.has(id));
        if (missing.length > 0) throw new AudienceError('DEPARTMENT_NOT_FOUND', missing);
        const wanted = new Set<number>();
        for (const [id, withSubdepartments] of plan.departments) {
          if (withSubdepartments) subtreeOf(tree, id).forEach((d) => wanted.add(d));
          else wanted.add(id);
        }
        // The portal gives a department's head its D and DR codes even when their own UF_DEPARTMENT is
        // elsewhere (intranet module, CIntranetAuthProvider::UpdateCodes): heads the lists did not bring
        // are checked once the lists are read.
        const heads = [...new Set([...wanted].map((id) => tree.get(id)?.headId).filter((id): id is number => typeof id === 'number'))];
        const lists =
          wanted.size === tree.size && wanted.size > DEPARTMENTS_PER_LIST
            ? // The whole company: one list of all employees (several department lists would each end on a part page).
              [userListing({}, (row) => addEmployee(row, (employee) => employee.departmentIds.some((id) => wanted.has(id))))]
            : chunked([...wanted].sort((a, b) => a - b), DEPARTMENTS_PER_LIST).map((ids) => userListing({ UF_DEPARTMENT: ids }, addEmployee));
        let listsLeft = lists.length;
        return lists.map((list) => ({
          ...list,
          onComplete: () => {
            listsLeft -= 1;
            return listsLeft === 0 ? checkUsers(heads.filter((id) => !recipients.has(id)).sort((a, b) => a - b)) : undefined;
          },
        }));
      };
      const cached = context.memberId ? context.treeCache?.get(context.memberId) : null;
      // A department the cached tree lacks may be new: read the tree afresh rather than call it missing.
      if (cached && [...plan.departments.keys()].every((id) => cached.has(id))) listings.push(...usersOfDepartments(cached));
      else {
        listings.push(
          departmentListing((tree) => {
            if (context.memberId) context.treeCache?.set(context.memberId, tree);
            return usersOfDepartments(tree);
          }),
        );
      }
    }

    const missingGroups: number[] = [];
    let groupsLeft = plan.groups.size;
    for (const [groupId, roles] of plan.groups) {
      const members: number[] = [];
      listings.push({
        readAhead: 0,
        command: (start) => ({ method: 'sonet_group.user.get', params: start > 0 ? { ID: groupId, start } : { ID: groupId } }),
        onRows: (rows) => {
          for (const row of rows) {
            const member = row as { USER_ID?: unknown; ROLE?: unknown };
            const id = Number(member.USER_ID);
            if (Number.isSafeInteger(id) && id > 0 && roles.has(member.ROLE as GroupRole)) members.push(id);
          }
        },
        onError: (error) => {
          if (isSystemError(error)) throw error;
          missingGroups.push(groupId);
        },
        onComplete: () => {
          groupsLeft -= 1;
          if (groupsLeft === 0 && missingGroups.length > 0) throw new AudienceError('GROUP_NOT_FOUND', missingGroups.sort((a, b) => a - b));
          return checkUsers(members);
        },
      });
    }
  }

  const { calls } = await readListings(callRest, listings);
  const userIds = Array.from(recipients).sort((a, b) => a - b);
  const unreachableUsers = [...plan.users].filter((id) => !recipients.has(id)).sort((a, b) => a - b);
  return { userIds, sample, unreachableUsers, restCalls: calls };
}

/** What the send pipeline needs: the ids alone. */
export async function resolveAudienceIds(callRest: CallRest, audience: unknown, context: ResolveContext = {}): Promise<number[]> {
  return (await resolveAudience(callRest, audience, context)).userIds;
}
