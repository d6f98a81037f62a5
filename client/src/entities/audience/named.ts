import type { Translate } from '../../lib/i18n';
import type { PortalUser } from '../employee/api';
import type { Audience, Pick } from './selection';

/**
 * A stored audience back into named picks ("send again"). A send stores ids only (`U6`, `SG2`, department
 * 3 with its sub-departments); the names are what the portal has now, and a person, department or group
 * it no longer has is marked as such. Where the names could not be read the ids stand in, unmarked
 * (nothing is known to be gone). Access codes stay as they are (the audience is exactly what was sent);
 * only their labels become names.
 */

/** What the portal has now; null where it could not be read. */
export interface PortalNames {
  users: ReadonlyMap<number, PortalUser> | null;
  departments: ReadonlyMap<number, string> | null;
  groups: ReadonlyMap<number, string> | null;
}

/** Explicit users named per send again (one `user.get` page each 50): more stay "Person #id". */
export const NAMED_USERS_MAX = 200;

export const USER_CODE = /^I?U(\d+)$/;
const DEPARTMENT_CODE = /^(DR?)(\d+)$/;
const GROUP_CODE = /^SG(\d+)(?:_[AEK])?$/;

/** The user ids an audience names, explicitly or by access code. */
export function usersNamed(audience: Audience | null | undefined): number[] {
  const ids = new Set(audience?.users ?? []);
  for (const code of audience?.accessCodes ?? []) {
    const match = USER_CODE.exec(code);
    if (match) ids.add(Number(match[1]));
  }
  return [...ids].sort((a, b) => a - b).slice(0, NAMED_USERS_MAX);
}

export function picksFromAudience(audience: Audience | null | undefined, names: PortalNames, t: Translate): Pick[] {
  if (!audience) return [];
  if (audience.all) return [{ kind: 'all' }];
  const asked = new Set(usersNamed(audience));
  const person = (id: number): string => {
    if (!names.users || !names.users.has(id)) {
      return names.users && asked.has(id) ? t('sendAgain.missingPerson', { id: String(id) }) : `${t('history.person')} #${id}`;
    }
    const user = names.users.get(id)!;
    return user.active ? user.name : t('sendAgain.deactivated', { name: user.name });
  };
  const department = (id: number): string => {
    const name = names.departments?.get(id);
    if (name !== undefined) return name;
    return names.departments ? t('sendAgain.missingDepartment', { id: String(id) }) : `${t('history.department')} #${id}`;
  };
  const group = (id: number): string => {
    const name = names.groups?.get(id);
    if (name !== undefined) return name;
    return names.groups ? t('sendAgain.missingGroup', { id: String(id) }) : `${t('history.group')} #${id}`;
  };

  const picks: Pick[] = [];
  for (const id of audience.users ?? []) picks.push({ kind: 'user', id, label: person(id) });
  for (const { id, withSubdepartments } of audience.departments ?? []) picks.push({ kind: 'department', id, label: department(id), withSubdepartments });
  for (const id of audience.groups ?? []) picks.push({ kind: 'group', id, label: group(id) });
  for (const code of audience.accessCodes ?? []) picks.push({ kind: 'access', code, label: accessLabel(code, person, department, group, t) });
  return picks;
}

/** An access code is kept as it is (the audience stays exactly what was sent); only its label is a name. */
function accessLabel(code: string, person: (id: number) => string, department: (id: number) => string, group: (id: number) => string, t: Translate): string {
  if (code === 'AU') return t('recipients.all');
  const user = USER_CODE.exec(code);
  if (user) return person(Number(user[1]));
  const unit = DEPARTMENT_CODE.exec(code);
  if (unit) {
    const name = department(Number(unit[2]));
    return unit[1] === 'DR' ? t('recipients.withSubdepartments', { name }) : name;
  }
  const workgroup = GROUP_CODE.exec(code);
  if (workgroup) return group(Number(workgroup[1]));
  return code;
}
