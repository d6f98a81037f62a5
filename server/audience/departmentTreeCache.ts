import type { DepartmentNode } from './departmentTree.js';

/**
 * Each portal's department tree, kept for a short while after it was read: the preview an administrator
 * looks at and the send that follows it then see the same structure, and the send spends its REST calls
 * on users only. A department created or moved reaches the app within `ttlMs`. Per process.
 */

export type DepartmentTree = ReadonlyMap<number, DepartmentNode>;

export interface DepartmentTreeCache {
  get(memberId: string): DepartmentTree | null;
  set(memberId: string, tree: DepartmentTree): void;
}

export const DEPARTMENT_TREE_TTL_MS = 2 * 60_000;
const MAX_PORTALS = 2_000;

export function createDepartmentTreeCache(options: { now?: () => number; ttlMs?: number } = {}): DepartmentTreeCache {
  const now = options.now ?? Date.now;
  const ttlMs = options.ttlMs ?? DEPARTMENT_TREE_TTL_MS;
  const entries = new Map<string, { tree: DepartmentTree; until: number }>();
  return {
    get(memberId) {
      const entry = entries.get(memberId);
      if (!entry) return null;
      if (entry.until <= now()) {
        entries.delete(memberId);
        return null;
      }
      return entry.tree;
    },
    set(memberId, tree) {
      entries.delete(memberId);
      if (entries.size >= MAX_PORTALS) {
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
      entries.set(memberId, { tree, until: now() + ttlMs });
    },
  };
}
