import { useSyncExternalStore } from 'react';

/** Below this frame width the history shows cards, not a table: Status and Actions stay in view. */
export const NARROW_QUERY = '(max-width: 640px)';

/** Whether the frame is narrow now (follows resizes: the Bitrix24 mobile app, a slider, a split window). */
export function useNarrow(query: string = NARROW_QUERY): boolean {
  return useSyncExternalStore(
    (changed) => {
      const list = window.matchMedia(query);
      list.addEventListener('change', changed);
      return () => list.removeEventListener('change', changed);
    },
    () => window.matchMedia(query).matches,
  );
}
