import { useId, useState } from 'react';
import { useFrame } from '../../lib/frameContext';
import { useI18n } from '../../lib/i18n';
import { useAudiencePreview } from '../../entities/audience/api';
import { useRecipientDirectory } from './api';
import { DepartmentPicker } from './DepartmentPicker';
import { EmployeeSearch } from './EmployeeSearch';
import { GroupPicker } from './GroupPicker';
import { TabList, tabId } from '../../lib/TabList';
import { addPick, pickKey, SENDABLE_ACCESS_CODE, toAudience, type Pick } from '../../entities/audience/selection';

type Tab = 'people' | 'departments' | 'groups';
const TABS: readonly Tab[] = ['people', 'departments', 'groups'];

/**
 * Who gets the push: people by search, departments (with or without sub-departments), groups,
 * everybody, or Bitrix24's own access dialog. The picks show as removable chips, and the number of
 * people they reach comes live from the server.
 */
export function RecipientPicker({ picks, onChange, selfId }: { picks: readonly Pick[]; onChange: (picks: Pick[]) => void; selfId: number }) {
  const { t } = useI18n();
  const frame = useFrame();
  const baseId = useId();
  const [tab, setTab] = useState<Tab>('people');
  const [refused, setRefused] = useState<string[]>([]);
  const directory = useRecipientDirectory(tab !== 'people');
  const audience = toAudience(picks);
  const preview = useAudiencePreview(audience);
  const everybody = picks.some((pick) => pick.kind === 'all');

  const add = (pick: Pick) => onChange(addPick(picks, pick));
  const remove = (key: string) => onChange(picks.filter((pick) => pickKey(pick) !== key));
  const has = (key: string) => picks.some((pick) => pickKey(pick) === key);

  const chooseInBitrix24 = async () => {
    const chosen = await frame.dialog.selectAccess(picks.map(pickKey).filter((key) => SENDABLE_ACCESS_CODE.test(key)));
    let next = [...picks];
    const unusable: string[] = [];
    for (const { id, name } of chosen) {
      if (id === 'AU') next = addPick(next, { kind: 'all' });
      else if (id === 'CR') next = addPick(next, { kind: 'user', id: selfId, label: name });
      else if (SENDABLE_ACCESS_CODE.test(id)) next = addPick(next, { kind: 'access', code: id, label: name });
      else unusable.push(name);
    }
    setRefused(unusable);
    onChange(next);
  };

  return (
    <fieldset className="card recipients">
      <legend>{t('recipients.title')}</legend>
      <div className="recipients__actions">
        <button type="button" className="button button--secondary" aria-pressed={everybody} onClick={() => (everybody ? remove('all') : add({ kind: 'all' }))}>
          {t('recipients.all')}
        </button>
        <button type="button" className="button button--secondary" onClick={() => void chooseInBitrix24()}>
          {t('recipients.chooseInBitrix24')}
        </button>
      </div>

      <TabList
        tabs={TABS}
        selected={tab}
        onSelect={setTab}
        label={t('recipients.title')}
        idPrefix={baseId}
        panelId={`${baseId}-panel`}
        labelOf={(name) => t(`recipients.tab.${name}`)}
        className="tabs tabs--small"
      />
      <div id={`${baseId}-panel`} role="tabpanel" aria-labelledby={tabId(baseId, tab)} className="recipients__panel">
        {tab === 'people' && <EmployeeSearch onPick={(employee) => add({ kind: 'user', id: employee.id, label: employee.fullName, photo: employee.photo })} />}
        {tab !== 'people' && directory.isPending && <p role="status">{t('recipients.loadingDirectory')}</p>}
        {tab !== 'people' && directory.isError && <p role="alert">{directory.error.message}</p>}
        {tab === 'departments' && directory.data && (
          <DepartmentPicker
            departments={directory.data.departments}
            isPicked={(id, withSubdepartments) => has(`${withSubdepartments ? 'DR' : 'D'}${id}`)}
            onPick={(department, withSubdepartments) => add({ kind: 'department', id: department.id, label: department.name, withSubdepartments })}
          />
        )}
        {tab === 'groups' && directory.data && <GroupPicker groups={directory.data.groups} isPicked={(id) => has(`SG${id}`)} onPick={(group) => add({ kind: 'group', id: group.id, label: group.name })} />}
      </div>

      {refused.length > 0 && (
        <p role="alert" data-testid="access-refused">
          {t('recipients.accessRefused', { names: refused.join(', ') })}
        </p>
      )}

      <ul className="chips" aria-label={t('recipients.chosen')} data-testid="recipient-chips">
        {picks.map((pick) => {
          const key = pickKey(pick);
          const label = chipLabel(pick, t);
          return (
            <li key={key} className="chip" data-key={key}>
              <span>{label}</span>
              <button type="button" className="chip__remove" aria-label={t('recipients.remove', { name: label })} onClick={() => remove(key)}>
                ×
              </button>
            </li>
          );
        })}
      </ul>

      <p role="status" aria-live="polite" className="recipients__count" data-testid="recipient-count">
        {!audience
          ? t('recipients.none')
          : preview.isError
            ? ''
            : preview.data && !preview.isPlaceholderData
              ? t('recipients.count', { count: preview.data.count })
              : t('recipients.counting')}
      </p>
      {audience && preview.isError && (
        <p role="alert" data-testid="recipient-count-error">
          {preview.error.message}
        </p>
      )}
      {audience && preview.data && !preview.isPlaceholderData && preview.data.unreachableUsers.length > 0 && (
        <p className="hint" data-testid="recipient-unreachable">
          {t('recipients.unreachable', { count: preview.data.unreachableUsers.length })}
        </p>
      )}
    </fieldset>
  );
}

function chipLabel(pick: Pick, t: ReturnType<typeof useI18n>['t']): string {
  switch (pick.kind) {
    case 'all':
      return t('recipients.all');
    case 'department':
      return pick.withSubdepartments ? t('recipients.withSubdepartments', { name: pick.label }) : pick.label;
    default:
      return pick.label;
  }
}
