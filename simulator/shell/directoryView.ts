import type { Directory, DirectoryUser } from '../contract.js';

/** What the SDK's selectUser dialog hands back for one employee (SelectedUser: id is a numeric string). */
export interface SelectedUserView {
  id: string;
  name: string;
  photo: string;
  position: string;
  url: string;
  sub: boolean;
  sup: boolean;
}

export interface DepartmentView {
  id: number;
  name: string;
  parent: number | null;
  depth: number;
  /** Direct members (active employees). */
  members: number;
}

export interface GroupView {
  id: number;
  name: string;
  members: number;
}

export function fullName(user: DirectoryUser): string {
  const name = [user.name, user.lastName].filter(Boolean).join(' ').trim();
  return name || `User ${user.id}`;
}

export function isEmployee(user: DirectoryUser): boolean {
  return user.active && user.type === 'employee';
}

/** Department id -> its ancestors (nearest first), the department itself not included. */
function ancestry(directory: Directory): (id: number) => number[] {
  const parentOf = new Map<number, number | null>();
  for (const d of directory.departments) parentOf.set(d.id, d.parent);
  const cache = new Map<number, number[]>();
  return (id) => {
    const hit = cache.get(id);
    if (hit) return hit;
    const chain: number[] = [];
    const seen = new Set<number>([id]);
    let cur = parentOf.get(id) ?? null;
    while (cur !== null && !seen.has(cur)) {
      chain.push(cur);
      seen.add(cur);
      cur = parentOf.get(cur) ?? null;
    }
    cache.set(id, chain);
    return chain;
  };
}

/**
 * Relation flags of the real dialog: `sub` = the picked user works under the viewer (the viewer heads one of
 * the picked user's departments or an ancestor of one), `sup` = the picked user heads a department of the viewer.
 */
export function relationFlags(directory: Directory, viewer: DirectoryUser | undefined, target: DirectoryUser) {
  if (!viewer || viewer.id === target.id) return { sub: false, sup: false };
  const up = ancestry(directory);
  const headOf = new Map<number, number | null>();
  for (const d of directory.departments) headOf.set(d.id, d.head);
  const heads = (u: DirectoryUser) => {
    const ids = new Set<number>();
    for (const dep of u.departments) {
      for (const id of [dep, ...up(dep)]) {
        const head = headOf.get(id);
        if (head !== null && head !== undefined) ids.add(head);
      }
    }
    return ids;
  };
  return { sub: heads(target).has(viewer.id), sup: heads(viewer).has(target.id) };
}

export function toSelectedUser(directory: Directory, viewer: DirectoryUser | undefined, user: DirectoryUser): SelectedUserView {
  const { sub, sup } = relationFlags(directory, viewer, user);
  return {
    id: String(user.id),
    name: fullName(user),
    photo: user.photo,
    position: user.position,
    url: `/company/personal/user/${user.id}/`,
    sub,
    sup,
  };
}

/** Active employees whose name or position contains every word of the query (case-insensitive). */
export function searchEmployees(directory: Directory, query: string, limit: number): DirectoryUser[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const out: DirectoryUser[] = [];
  for (const user of directory.users) {
    if (!isEmployee(user)) continue;
    const hay = `${user.name} ${user.lastName} ${user.secondName} ${user.position}`.toLowerCase();
    if (words.every((w) => hay.includes(w))) {
      out.push(user);
      if (out.length >= limit) break;
    }
  }
  return out;
}

/** Departments in tree order (parents before children, siblings by sort then name), with their depth. */
export function departmentTree(directory: Directory): DepartmentView[] {
  const members = new Map<number, number>();
  for (const u of directory.users) {
    if (!isEmployee(u)) continue;
    for (const d of u.departments) members.set(d, (members.get(d) ?? 0) + 1);
  }
  const ids = new Set(directory.departments.map((d) => d.id));
  const children = new Map<number | null, typeof directory.departments>();
  for (const d of directory.departments) {
    const key = d.parent !== null && ids.has(d.parent) ? d.parent : null;
    const list = children.get(key) ?? [];
    list.push(d);
    children.set(key, list);
  }
  for (const list of children.values()) list.sort((a, b) => a.sort - b.sort || a.name.localeCompare(b.name));
  const out: DepartmentView[] = [];
  const seen = new Set<number>();
  const walk = (parent: number | null, depth: number) => {
    for (const d of children.get(parent) ?? []) {
      if (seen.has(d.id)) continue;
      seen.add(d.id);
      out.push({ id: d.id, name: d.name, parent: d.parent, depth, members: members.get(d.id) ?? 0 });
      walk(d.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

export function groupList(directory: Directory): GroupView[] {
  return directory.groups
    .map((g) => ({ id: g.id, name: g.name, members: g.members.length }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
