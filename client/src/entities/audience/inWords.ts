import type { Translate } from '../../lib/i18n';
import type { Pick } from './selection';

/**
 * Picks by name, as the confirmation and the history say them: "Sales and its sub-departments, Migration
 * Team B"; past `atMost` names, the first `atMost - 1` and "and N more".
 */
export function picksInWords(picks: readonly Pick[], t: Translate, atMost: number): string {
  const names = picks.map((pick) => {
    switch (pick.kind) {
      case 'all':
        return t('recipients.all');
      case 'department':
        return pick.withSubdepartments ? t('confirm.withSubdepartments', { name: pick.label }) : pick.label;
      default:
        return pick.label;
    }
  });
  if (names.length <= atMost) return names.join(', ');
  return `${names.slice(0, atMost - 1).join(', ')} ${t('confirm.andMore', { count: names.length - (atMost - 1) })}`;
}
