import type { Listing } from './pagedReader.js';

/** The portal's department structure (`department.get`: ID, NAME, PARENT, SORT, UF_HEAD), read once per resolution. */

export interface DepartmentNode {
  id: number;
  name: string;
  parentId: number | null;
  sort: number;
  /** The department's head (UF_HEAD), who belongs to its audience even when their own UF_DEPARTMENT is elsewhere. */
  headId: number | null;
}

/** department.get pages read ahead of the total: 10 pages cover 550 departments in the first call. */
const DEPARTMENT_READ_AHEAD = 10;

export function departmentOf(row: unknown): DepartmentNode | null {
  if (typeof row !== 'object' || row === null) return null;
  const { ID, NAME, PARENT, SORT, UF_HEAD } = row as Record<string, unknown>;
  const id = Number(ID);
  if (!Number.isSafeInteger(id) || id <= 0) return null;
  const parent = PARENT === undefined || PARENT === null || PARENT === '' ? null : Number(PARENT);
  const head = Number(UF_HEAD);
  return {
    id,
    name: typeof NAME === 'string' ? NAME : `#${id}`,
    parentId: parent !== null && Number.isSafeInteger(parent) && parent > 0 ? parent : null,
    sort: Number.isFinite(Number(SORT)) ? Number(SORT) : 500,
    headId: Number.isSafeInteger(head) && head > 0 ? head : null,
  };
}

/** Reads every department; `onTree` gets the whole tree at once and may add lists that depend on it. */
export function departmentListing(onTree: (tree: ReadonlyMap<number, DepartmentNode>) => Listing[] | void): Listing {
  const tree = new Map<number, DepartmentNode>();
  return {
    readAhead: DEPARTMENT_READ_AHEAD,
    command: (start) => ({ method: 'department.get', params: { sort: 'ID', order: 'ASC', start } }),
    onRows: (rows) => {
      for (const row of rows) {
        const department = departmentOf(row);
        if (department) tree.set(department.id, department);
      }
    },
    onComplete: () => onTree(tree),
  };
}

/** A department and all departments below it (a cycle in bad data is walked once). */
export function subtreeOf(tree: ReadonlyMap<number, DepartmentNode>, rootId: number): number[] {
  const children = new Map<number, number[]>();
  for (const department of tree.values()) {
    if (department.parentId === null) continue;
    const siblings = children.get(department.parentId) ?? [];
    siblings.push(department.id);
    children.set(department.parentId, siblings);
  }
  const seen = new Set<number>([rootId]);
  const queue = [rootId];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const child of children.get(next) ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      queue.push(child);
    }
  }
  return [...seen];
}
