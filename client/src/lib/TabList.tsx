import type { KeyboardEvent } from 'react';

/**
 * A WAI-ARIA tab list: one tab in the tab order, arrow keys move between tabs (and select, as Bitrix24's
 * own tabs do). The panel is the caller's, with id `panelId` and `aria-labelledby` = `tabId(selected)`.
 */
export function TabList<T extends string>({
  tabs,
  selected,
  onSelect,
  label,
  idPrefix,
  panelId,
  labelOf,
  className = 'tabs',
}: {
  tabs: readonly T[];
  selected: T;
  onSelect: (tab: T) => void;
  label: string;
  idPrefix: string;
  panelId: string;
  labelOf: (tab: T) => string;
  className?: string;
}) {
  const onKeyDown = (event: KeyboardEvent<HTMLButtonElement>) => {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    event.preventDefault();
    const next = tabs[(tabs.indexOf(selected) + step + tabs.length) % tabs.length]!;
    onSelect(next);
    document.getElementById(tabId(idPrefix, next))?.focus();
  };
  return (
    <div role="tablist" aria-label={label} className={className}>
      {tabs.map((tab) => (
        <button
          key={tab}
          id={tabId(idPrefix, tab)}
          type="button"
          role="tab"
          aria-selected={tab === selected}
          aria-controls={panelId}
          tabIndex={tab === selected ? 0 : -1}
          onClick={() => onSelect(tab)}
          onKeyDown={onKeyDown}
        >
          {labelOf(tab)}
        </button>
      ))}
    </div>
  );
}

export function tabId(idPrefix: string, tab: string): string {
  return `${idPrefix}-tab-${tab}`;
}
