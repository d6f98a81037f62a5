import type { DirectoryUser, SimPortal } from '../../simulator/contract.js';

/** Questions tests ask of a simulated portal's directory, answered from the simulator's own data. */

/** Who can receive a push: active employees (not extranet, e-mail or bot users). */
export const isRecipient = (user: DirectoryUser): boolean => user.active && user.type === 'employee';

export const firstAdmin = (portal: SimPortal): DirectoryUser => portal.directory.users.find((user) => user.admin && user.active)!;

/** A department and every department below it. */
export function subtree(portal: SimPortal, rootId: number): Set<number> {
  const ids = new Set([rootId]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const department of portal.directory.departments) {
      if (department.parent !== null && ids.has(department.parent) && !ids.has(department.id)) {
        ids.add(department.id);
        grew = true;
      }
    }
  }
  return ids;
}

/**
 * Who a department audience reaches, as the portal defines D/DR codes: active employees whose
 * departments include one of `departments`, and the heads of those departments (intranet module,
 * CIntranetAuthProvider::UpdateCodes), ascending ids.
 */
export function recipientsIn(portal: SimPortal, departments: ReadonlySet<number>): number[] {
  const heads = new Set(portal.directory.departments.filter((d) => departments.has(d.id) && d.head !== null).map((d) => d.head));
  return portal.directory.users.filter((user) => isRecipient(user) && (user.departments.some((d) => departments.has(d)) || heads.has(user.id))).map((user) => user.id);
}

/** The install POST as Bitrix24 sends it when an admin opens the install page (no installFinish). */
export async function postInstall(portal: SimPortal, adminId = firstAdmin(portal).id): Promise<number> {
  const opening = portal.openFrame(adminId, 'INSTALL');
  return (await fetch(opening.action, { method: 'POST', body: new URLSearchParams(opening.fields) })).status;
}
