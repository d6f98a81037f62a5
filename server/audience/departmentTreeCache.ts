import { LRUCache } from 'lru-cache';
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
  // ttlResolution 0: the injected clock is asked on every look (tests move it without waiting).
  const entries = new LRUCache<string, DepartmentTree>({ max: MAX_PORTALS, ttl: options.ttlMs ?? DEPARTMENT_TREE_TTL_MS, ttlResolution: 0, perf: { now } });
  return {
    get: (memberId) => entries.get(memberId) ?? null,
    set: (memberId, tree) => {
      entries.set(memberId, tree);
    },
  };
}
