import { useI18n } from '../../lib/i18n';
import type { Group } from './api';
import { useNameFilter } from './nameFilter';

/** Workgroups and projects: a push goes to their members. */
export function GroupPicker({ groups, isPicked, onPick }: { groups: readonly Group[]; isPicked: (id: number) => boolean; onPick: (group: Group) => void }) {
  const { t } = useI18n();
  const filter = useNameFilter(t('recipients.filterGroups'));
  const shown = filter.active ? groups.filter((group) => filter.matches(group.name)) : groups;
  return (
    <div className="picker">
      <div className="picker__tools">
        {filter.field}
      </div>
      <ul className="picker__list" aria-label={t('recipients.groups')}>
        {shown.map((group) => (
          <li key={group.id}>
            <button type="button" className="picker__item" aria-pressed={isPicked(group.id)} disabled={isPicked(group.id)} onClick={() => onPick(group)}>
              {group.name} <span className="hint">{t('recipients.members', { count: group.memberCount })}</span>
            </button>
          </li>
        ))}
        {shown.length === 0 && <li className="hint">{t('recipients.noGroups')}</li>}
      </ul>
    </div>
  );
}
