import type { DirectoryDepartment } from '../contract.js';
import { getCi, type Params } from '../phpParams.js';
import { collectFilter, conditionsOf, isDescending, matches, pageOf, sortRows, type FieldReader } from './listFilter.js';
import type { MethodTable } from './types.js';

const READERS: Record<string, FieldReader<DirectoryDepartment>> = {
  ID: (d) => d.id,
  NAME: (d) => d.name,
  SORT: (d) => d.sort,
  PARENT: (d) => d.parent,
  UF_HEAD: (d) => d.head,
};

/**
 * As department.get answers: ids as strings, SORT a number; the root has no PARENT and a department
 * without a head has no UF_HEAD (UNCONFIRMED: the real portal may send them empty instead).
 */
function departmentRow(d: DirectoryDepartment): Record<string, unknown> {
  const row: Record<string, unknown> = { ID: String(d.id), NAME: d.name, SORT: d.sort };
  if (d.parent !== null) row.PARENT = String(d.parent);
  if (d.head !== null) row.UF_HEAD = String(d.head);
  return row;
}

const RESERVED = ['sort', 'order', 'start', 'auth', 'FILTER', 'bx24_request_id', 'bx24_sdk_ver', 'bx24_sdk_type'];

export const departmentMethods: MethodTable = {
  'department.get': {
    scopes: ['department'],
    handle(params: Params, ctx) {
      const conditions = conditionsOf(collectFilter(params, RESERVED)).filter((c) => READERS[c.field]);
      const rows = ctx.portal.directory.departments.filter((d) =>
        conditions.every((c) => {
          const read = READERS[c.field] as FieldReader<DirectoryDepartment>;
          // The documented NAME filter wants the full name, not a pattern.
          if (c.field === 'NAME' && (c.operator === '' || c.operator === '=')) return d.name === String(c.value);
          return matches(read(d), c.operator, c.value);
        }),
      );
      const sortField = String(getCi(params, 'sort') ?? 'ID').toUpperCase();
      const sorted = sortRows([...rows], READERS[sortField] ?? READERS.ID, isDescending(getCi(params, 'order')));
      const page = pageOf(sorted, getCi(params, 'start'));
      return { result: page.rows.map(departmentRow), total: page.total, next: page.next };
    },
  },
};
