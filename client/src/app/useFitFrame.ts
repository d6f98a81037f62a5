import { useEffect, useRef } from 'react';
import type { B24Frame } from '@bitrix24/b24jssdk';

/** Keeps the portal's iframe as tall as the content (Bitrix24 does not size it by itself). */
export function useFitFrame(frame: B24Frame) {
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    let pending = 0;
    const fit = () => {
      cancelAnimationFrame(pending);
      pending = requestAnimationFrame(() => void frame.parent.fitWindow());
    };
    const observer = new ResizeObserver(fit);
    observer.observe(element);
    return () => {
      cancelAnimationFrame(pending);
      observer.disconnect();
    };
  }, [frame]);
  return ref;
}
