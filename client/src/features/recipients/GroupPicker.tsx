import { useId, useState } from 'react';
import { useI18n } from '../../lib/i18n';
import type { Group } from './api';

/** Workgroups and projects: a push goes to their members. */
export function GroupPicker({ groups, isPicked, onPick }: { groups: readonly Group[]; isPicked: (id: number) => boolean; onPick: (group: Group) => void }) {
  const { t } = useI18n();
  const filterId = useId();
  const [filter, setFilter] = useState('');
  const needle = filter.trim().toLowerCase();
  const shown = needle ? groups.filter((group) => group.name.toLowerCase().includes(needle)) : groups;
  return (
    <div className="picker">
      <div className="picker__tools">
        <label htmlFor={filterId} className="visually-hidden">
          {t('recipients.filterGroups')}
        </label>
        <input id={filterId} type="search" placeholder={t('recipients.filterGroups')} value={filter} onChange={(event) => setFilter(event.target.value)} />
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
