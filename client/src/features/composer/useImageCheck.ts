import { useEffect, useState } from 'react';
import { useDebounced } from '../../lib/useDebounced';

/** How long the avatar URL must stay unchanged before the image is loaded (no request per keystroke). */
export const IMAGE_SETTLE_MS = 600;

/**
 * 'none': no URL; 'waiting': typed, not yet loaded (or still loading); 'loaded': the browser loaded it as
 * an image; 'failed': it did not load (unreachable, not an image), so phones would show no picture.
 */
export type ImageState = 'none' | 'waiting' | 'loaded' | 'failed';

/**
 * Loads the image at `url` once the URL has settled, the way the phone preview would, and says whether
 * it loaded. `src` is the URL once loaded (what the thumbnail and the preview show), else null: they
 * never request a half-typed address.
 */
export function useImageCheck(url: string | null): { state: ImageState; src: string | null } {
  const settled = useDebounced(url, IMAGE_SETTLE_MS);
  const [result, setResult] = useState<{ url: string; loaded: boolean } | null>(null);
  useEffect(() => {
    if (!settled) return;
    let live = true;
    const image = new Image();
    image.referrerPolicy = 'no-referrer';
    image.onload = () => {
      if (live) setResult({ url: settled, loaded: true });
    };
    image.onerror = () => {
      if (live) setResult({ url: settled, loaded: false });
    };
    image.src = settled;
    return () => {
      live = false;
      image.onload = null;
      image.onerror = null;
    };
  }, [settled]);
  if (!url) return { state: 'none', src: null };
  if (result?.url !== url) return { state: 'waiting', src: null };
  return result.loaded ? { state: 'loaded', src: url } : { state: 'failed', src: null };
}
