import { useId, useState, type KeyboardEvent } from 'react';
import { useI18n } from '../../lib/i18n';
import type { Employee } from '../../entities/employee/model';
import { useEmployeeSearch } from './api';
import { Avatar } from './Avatar';

/**
 * "Search employees": a combobox (WAI-ARIA 1.2 pattern) over the server's search. Arrow keys move
 * through the results, Enter or a click picks one, Escape closes the list.
 */
export function EmployeeSearch({ onPick }: { onPick: (employee: Employee) => void }) {
  const { t } = useI18n();
  const inputId = useId();
  const listId = useId();
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const [open, setOpen] = useState(false);
  const search = useEmployeeSearch(query);
  const results = query.trim() ? (search.data ?? []) : [];
  const expanded = open && query.trim().length > 0;

  const pick = (employee: Employee | undefined) => {
    if (!employee) return;
    onPick(employee);
    setQuery('');
    setActive(0);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      setOpen(true);
      setActive((index) => Math.min(index + 1, results.length - 1));
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      setActive((index) => Math.max(index - 1, 0));
    } else if (event.key === 'Enter') {
      if (expanded && results.length > 0) {
        event.preventDefault();
        pick(results[active]);
      }
    } else if (event.key === 'Escape') {
      setOpen(false);
    }
  };

  const optionId = (index: number) => `${listId}-${index}`;
  return (
    <div className="search">
      <label htmlFor={inputId}>{t('recipients.search')}</label>
      <input
        id={inputId}
        type="search"
        role="combobox"
        autoComplete="off"
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={listId}
        aria-activedescendant={expanded && results.length > 0 ? optionId(active) : undefined}
        placeholder={t('recipients.searchPlaceholder')}
        value={query}
        onChange={(event) => {
          setQuery(event.target.value);
          setActive(0);
          setOpen(true);
        }}
        onKeyDown={onKeyDown}
        onBlur={() => setOpen(false)}
        onFocus={() => setOpen(true)}
      />
      <ul id={listId} role="listbox" aria-label={t('recipients.searchResults')} className="search__results" hidden={!expanded}>
        {results.map((employee, index) => (
          <li
            key={employee.id}
            id={optionId(index)}
            role="option"
            aria-selected={index === active}
            className="search__option"
            // mousedown, not click: the input's blur would close the list before a click lands.
            onMouseDown={(event) => {
              event.preventDefault();
              pick(employee);
            }}
            onMouseEnter={() => setActive(index)}
          >
            <Avatar name={employee.fullName} photo={employee.photo} />
            <span className="search__text">
              <span className="search__name">{employee.fullName}</span>
              {employee.position && <span className="search__position">{employee.position}</span>}
            </span>
          </li>
        ))}
      </ul>
      {expanded && search.isFetching && results.length === 0 && (
        <p className="hint" role="status">
          {t('recipients.searching')}
        </p>
      )}
      {expanded && !search.isFetching && search.isSuccess && results.length === 0 && (
        <p className="hint" role="status">
          {t('recipients.noResults')}
        </p>
      )}
      {search.isError && <p role="alert">{search.error.message}</p>}
    </div>
  );
}
