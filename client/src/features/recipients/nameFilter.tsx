import { useId, useState, type ReactNode } from 'react';

/** A labelled "filter by name" box for the pickers, and the test it applies (case-insensitive substring). */
export function useNameFilter(label: string): { field: ReactNode; active: boolean; matches: (name: string) => boolean } {
  const id = useId();
  const [filter, setFilter] = useState('');
  const needle = filter.trim().toLowerCase();
  const field = (
    <>
      <label htmlFor={id} className="visually-hidden">
        {label}
      </label>
      <input id={id} type="search" placeholder={label} value={filter} onChange={(event) => setFilter(event.target.value)} />
    </>
  );
  return { field, active: needle !== '', matches: (name) => name.toLowerCase().includes(needle) };
}
