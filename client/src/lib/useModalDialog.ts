import { useEffect, useRef } from 'react';

/**
 * A native modal <dialog> that follows `open`: shown with showModal (focus stays inside) and the focus put
 * on the safe choice (`safeRef`: showModal would focus the first button, and React's autoFocus is no HTML
 * attribute), closed when `open` turns false.
 */
export function useModalDialog(open: boolean) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const safeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      dialog.showModal();
      safeRef.current?.focus();
    }
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return { dialogRef, safeRef };
}
