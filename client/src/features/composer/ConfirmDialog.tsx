import { useEffect, useRef } from 'react';
import { useI18n } from '../../lib/i18n';

/** A modal that states how many people a send reaches before it goes (native <dialog>: focus stays inside). */
export function ConfirmDialog({ open, count, everybody, onConfirm, onCancel }: { open: boolean; count: number | null; everybody: boolean; onConfirm: () => void; onCancel: () => void }) {
  const { t } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  const amount = count === null ? t('confirm.unknownCount') : t('confirm.count', { count });
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby="confirm-title"
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      <h2 id="confirm-title">{t('confirm.title')}</h2>
      <p>{everybody ? t('confirm.everybody', { amount }) : t('confirm.body', { amount })}</p>
      <div className="dialog__actions">
        <button type="button" className="button" onClick={onConfirm} autoFocus>
          {t('confirm.send', { amount })}
        </button>
        <button type="button" className="button button--secondary" onClick={onCancel}>
          {t('confirm.cancel')}
        </button>
      </div>
    </dialog>
  );
}
