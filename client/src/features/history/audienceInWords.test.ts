import { describe, expect, it } from 'vitest';
import { translator } from '../../lib/i18n';
import { de } from '../../lib/i18n/de';
import { en } from '../../lib/i18n/en';
import type { PortalNames } from '../../entities/audience/named';
import { audienceInWords, namesWanted } from './audienceInWords';

const t = translator('en', en);
const names: PortalNames = {
  users: new Map([
    [6, { id: 6, name: 'Anna Smith', active: true }],
    [7, { id: 7, name: 'Boris Popov', active: false }],
  ]),
  departments: new Map([
    [3, 'Sales'],
    [4, 'Support'],
  ]),
  groups: new Map([[2, 'Migration Team B']]),
};

describe('the audience in History, by name', () => {
  it('"1 department" is "Sales"; people, groups and access codes by their names now', () => {
    expect(audienceInWords({ departments: [{ id: 3, withSubdepartments: false }] }, names, t)).toBe('Sales');
    expect(audienceInWords({ departments: [{ id: 3, withSubdepartments: true }], groups: [2] }, names, t)).toBe('Sales and its sub-departments, Migration Team B');
    expect(audienceInWords({ users: [6, 7] }, names, t)).toBe('Anna Smith, Boris Popov (deactivated)');
    expect(audienceInWords({ accessCodes: ['U6', 'DR4', 'SG2'] }, names, t)).toBe('Anna Smith, Support + sub-departments, Migration Team B');
    expect(audienceInWords({ all: true }, names, t)).toBe('All employees');
    expect(audienceInWords({ accessCodes: ['AU'] }, names, translator('de', de))).toBe(translator('de', de)('recipients.all'));
  });

  it('names three and counts the rest, but never "and 1 more"', () => {
    expect(audienceInWords({ users: [6], departments: [{ id: 3, withSubdepartments: false }, { id: 4, withSubdepartments: false }], groups: [2] }, names, t)).toBe('Anna Smith, Sales, Support, Migration Team B');
    expect(audienceInWords({ users: [6, 7], departments: [{ id: 3, withSubdepartments: false }, { id: 4, withSubdepartments: false }], groups: [2] }, names, t)).toBe('Anna Smith, Boris Popov (deactivated), Sales and 2 more');
  });

  it('marks what the portal no longer has, and shows ids unmarked where the names could not be read', () => {
    expect(audienceInWords({ users: [99], departments: [{ id: 98, withSubdepartments: false }] }, names, t)).toBe('Person #99 (no longer in Bitrix24), Department #98 (no longer exists)');
    expect(audienceInWords({ users: [6], groups: [2] }, { users: null, departments: null, groups: null }, t)).toBe('Person #6, Group #2');
  });

  it('reads only the names it shows', () => {
    expect(namesWanted({ users: [1, 2, 3, 4, 5, 6], departments: [{ id: 3, withSubdepartments: false }] })).toEqual({ userIds: [1, 2, 3, 4], directory: false });
    expect(namesWanted({ users: [1], accessCodes: ['U9', 'D3'] })).toEqual({ userIds: [1, 9], directory: true });
    expect(namesWanted({ all: true })).toEqual({ userIds: [], directory: false });
    expect(namesWanted({ accessCodes: ['AU'] })).toEqual({ userIds: [], directory: false });
    expect(namesWanted(null)).toEqual({ userIds: [], directory: false });
  });
});
