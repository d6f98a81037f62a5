import { useMemo, useState } from 'react';
import { useI18n } from '../../lib/i18n';
import type { Department } from './api';
import { useNameFilter } from './nameFilter';

interface Row {
  department: Department;
  depth: number;
}

/** Depth-first order of the tree, children by SORT then name: how Bitrix24 shows its structure. */
function flatten(departments: readonly Department[]): Row[] {
  const byParent = new Map<number | null, Department[]>();
  const known = new Set(departments.map((d) => d.id));
  for (const department of departments) {
    const parent = department.parentId !== null && known.has(department.parentId) ? department.parentId : null;
    byParent.set(parent, [...(byParent.get(parent) ?? []), department]);
  }
  for (const siblings of byParent.values()) siblings.sort((a, b) => a.sort - b.sort || a.name.localeCompare(b.name));
  const rows: Row[] = [];
  const seen = new Set<number>();
  const walk = (parent: number | null, depth: number) => {
    for (const department of byParent.get(parent) ?? []) {
      if (seen.has(department.id)) continue;
      seen.add(department.id);
      rows.push({ department, depth });
      walk(department.id, depth + 1);
    }
  };
  walk(null, 0);
  return rows;
}

/** The department tree: pick a department alone or with everything below it. */
export function DepartmentPicker({
  departments,
  isPicked,
  onPick,
}: {
  departments: readonly Department[];
  isPicked: (id: number, withSubdepartments: boolean) => boolean;
  onPick: (department: Department, withSubdepartments: boolean) => void;
}) {
  const { t } = useI18n();
  const filter = useNameFilter(t('recipients.filterDepartments'));
  const [withSubdepartments, setWithSubdepartments] = useState(true);
  const rows = useMemo(() => flatten(departments), [departments]);
  const shown = filter.active ? rows.filter((row) => filter.matches(row.department.name)) : rows;

  return (
    <div className="picker">
      <div className="picker__tools">
        {filter.field}
        <label className="checkbox">
          <input type="checkbox" checked={withSubdepartments} onChange={(event) => setWithSubdepartments(event.target.checked)} />
          {t('recipients.includeSubdepartments')}
        </label>
      </div>
      <p className="hint">{t('recipients.departmentsWithHeads')}</p>
      <ul className="picker__list" aria-label={t('recipients.departments')}>
        {shown.map(({ department, depth }) => {
          const picked = isPicked(department.id, withSubdepartments);
          return (
            <li key={department.id} style={{ paddingInlineStart: filter.active ? 0 : depth * 16 }}>
              <button type="button" className="picker__item" aria-pressed={picked} disabled={picked} onClick={() => onPick(department, withSubdepartments)}>
                {department.name}
              </button>
            </li>
          );
        })}
        {shown.length === 0 && <li className="hint">{t('recipients.noDepartments')}</li>}
      </ul>
    </div>
  );
}
