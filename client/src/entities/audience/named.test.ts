import { describe, expect, it } from 'vitest';
import { en } from '../../lib/i18n/en';
import { translator } from '../../lib/i18n';
import { ru } from '../../lib/i18n/ru';
import { NAMED_USERS_MAX, picksFromAudience, usersNamed, type PortalNames } from './named';

const t = translator('en', en);
const names: PortalNames = {
  users: new Map([
    [6, { id: 6, name: 'Anna Smith', active: true }],
    [7, { id: 7, name: 'Boris Popov', active: false }],
  ]),
  departments: new Map([[3, 'Sales']]),
  groups: new Map([[2, 'Migration Team B']]),
};

describe('a stored audience back into named picks (send again)', () => {
  it('names people, departments, groups and access codes as the portal names them now', () => {
    const picks = picksFromAudience({ users: [6], departments: [{ id: 3, withSubdepartments: true }], groups: [2], accessCodes: ['U6', 'SG2', 'DR3', 'D3', 'SG2_K'] }, names, t);
    expect(picks.map((pick) => ('label' in pick ? pick.label : pick.kind))).toEqual([
      'Anna Smith',
      'Sales',
      'Migration Team B',
      'Anna Smith',
      'Migration Team B',
      'Sales + sub-departments',
      'Sales',
      'Migration Team B',
    ]);
    // The audience itself is unchanged: the same kinds, ids and codes.
    expect(picks.map((pick) => (pick.kind === 'access' ? pick.code : pick.kind === 'all' ? 'all' : `${pick.kind}:${pick.id}`))).toEqual([
      'user:6',
      'department:3',
      'group:2',
      'U6',
      'SG2',
      'DR3',
      'D3',
      'SG2_K',
    ]);
  });

  it('marks who and what the portal no longer has, and a deactivated person', () => {
    const picks = picksFromAudience({ users: [7, 99], departments: [{ id: 44, withSubdepartments: false }], groups: [55], accessCodes: ['IU98', 'SG56', 'DR45'] }, names, t);
    expect(picks.map((pick) => ('label' in pick ? pick.label : ''))).toEqual([
      'Boris Popov (deactivated)',
      'Person #99 (no longer in Bitrix24)',
      'Department #44 (no longer exists)',
      'Group #55 (not found in Bitrix24)',
      'Person #98 (no longer in Bitrix24)',
      'Group #56 (not found in Bitrix24)',
      'Department #45 (no longer exists) + sub-departments',
    ]);
    expect(picksFromAudience({ groups: [12345] }, names, translator('ru', ru)).map((pick) => ('label' in pick ? pick.label : ''))).toEqual(['Группа №12345 (не найдена в Битрикс24)']);
  });

  it('leaves ids unmarked where the names could not be read: nothing is known to be gone', () => {
    const unknown: PortalNames = { users: null, departments: null, groups: null };
    const picks = picksFromAudience({ users: [99], departments: [{ id: 44, withSubdepartments: true }], groups: [55] }, unknown, t);
    expect(picks.map((pick) => ('label' in pick ? pick.label : ''))).toEqual(['Person #99', 'Department #44', 'Group #55']);
  });

  it('everybody stays everybody; a send without an audience gives no picks', () => {
    expect(picksFromAudience({ all: true }, names, t)).toEqual([{ kind: 'all' }]);
    expect(picksFromAudience(null, names, t)).toEqual([]);
  });

  it(`asks the portal for at most ${NAMED_USERS_MAX} people; the others keep their ids, unmarked`, () => {
    const users = Array.from({ length: NAMED_USERS_MAX + 5 }, (_, i) => i + 1);
    expect(usersNamed({ users, accessCodes: ['U1', 'IU3'] })).toEqual(users.slice(0, NAMED_USERS_MAX));
    const labels = picksFromAudience({ users }, { ...names, users: new Map() }, t).map((pick) => ('label' in pick ? pick.label : ''));
    expect(labels[0]).toBe('Person #1 (no longer in Bitrix24)');
    expect(labels.at(-1)).toBe(`Person #${NAMED_USERS_MAX + 5}`);
  });
});
