import type { DepartmentChoice, GroupChoice, RecipientDirectory, RecipientSummary } from '../../contract/recipients.js';
import type { CallRest } from '../bitrix/batch.js';
import { departmentListing } from './departmentTree.js';
import type { DepartmentTreeCache } from './departmentTreeCache.js';
import { EMPLOYEE_FILTER, employeeOf } from './employeeRows.js';
import { readListings, type Listing } from './pagedReader.js';

/**
 * What the recipient picker reads: employees found by name, position or department (`user.search`
 * FIND: one REST call, the portal's own index, so it stays fast on 50,000 users), and the departments
 * and workgroups to choose from. What the answers look like, and the search query, are the API
 * contract's (contract/recipients.ts).
 */

/** Employees matching the query, best matches as the portal orders them (up to one page of 50). */
export async function searchEmployees(callRest: CallRest, query: string): Promise<RecipientSummary[]> {
  // The core merges FIND with the other FILTER keys (rest module, lib/api/user.php), although the docs
  // say they cannot be combined: ask for active employees, and check each row here too (either way).
  const answer = await callRest('user.search', { FILTER: { FIND: query, ...EMPLOYEE_FILTER } });
  const rows = Array.isArray(answer.result) ? answer.result : [];
  return rows.map(employeeOf).filter((employee): employee is RecipientSummary => employee !== null);
}

/** Group pages read ahead of the total: 10 pages cover 550 groups in the first call. */
const GROUP_READ_AHEAD = 10;

function groupOf(row: unknown): GroupChoice | null {
  if (typeof row !== 'object' || row === null) return null;
  const { ID, NAME, NUMBER_OF_MEMBERS, PROJECT } = row as Record<string, unknown>;
  const id = Number(ID);
  if (!Number.isSafeInteger(id) || id <= 0) return null;
  const members = Number(NUMBER_OF_MEMBERS);
  return { id, name: typeof NAME === 'string' ? NAME : `#${id}`, memberCount: Number.isFinite(members) ? members : 0, project: PROJECT === 'Y' };
}

/** Every department and every workgroup the administrator can see, in one or a few `batch` calls. */
export async function readRecipientDirectory(callRest: CallRest, context: { memberId: string; treeCache?: DepartmentTreeCache }): Promise<RecipientDirectory> {
  const groups = new Map<number, GroupChoice>();
  let departments: DepartmentChoice[] = [];
  const listings: Listing[] = [
    {
      readAhead: GROUP_READ_AHEAD,
      // IS_ADMIN=Y: an administrator sees hidden groups too.
      command: (start) => ({ method: 'sonet_group.get', params: { ORDER: { NAME: 'ASC' }, IS_ADMIN: 'Y', start } }),
      onRows: (rows) => {
        for (const row of rows) {
          const group = groupOf(row);
          if (group) groups.set(group.id, group);
        }
      },
    },
  ];
  const cached = context.treeCache?.get(context.memberId);
  if (cached) departments = [...cached.values()];
  else {
    listings.push(
      departmentListing((tree) => {
        context.treeCache?.set(context.memberId, tree);
        departments = [...tree.values()];
      }),
    );
  }
  await readListings(callRest, listings);
  return {
    departments: departments.sort((a, b) => a.sort - b.sort || a.name.localeCompare(b.name)),
    groups: [...groups.values()].sort((a, b) => a.name.localeCompare(b.name)),
  };
}
