import { useI18n } from '../../lib/i18n';
import { useModalDialog } from '../../lib/useModalDialog';
import type { SendView } from '../../entities/send/model';

/** What the question recaps about the send to cancel, in the admin's words. */
export interface CancelRecap {
  send: SendView;
  audience: string;
  /** When a scheduled send was to go (in the admin's Bitrix24 time zone); null for a paused one. */
  when: string | null;
  text: string;
}

/**
 * "Cancel this send?" before a scheduled or paused send is cancelled (it cannot be undone). A native modal
 * <dialog>: focus starts on "Keep it", Escape keeps it, and the second click of a double click never
 * confirms (a cancel is confirmed by a deliberate press).
 */
export function CancelDialog({ recap, onConfirm, onClose }: { recap: CancelRecap | null; onConfirm: (send: SendView) => void; onClose: () => void }) {
  const { t } = useI18n();
  const { dialogRef: ref, safeRef: keepRef } = useModalDialog(recap !== null);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby="cancel-send-title"
      data-testid="cancel-dialog"
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      // The second click of the double click that opened it lands on the backdrop: the focus stays on "Keep it".
      onMouseDown={(event) => {
        if (event.target === event.currentTarget) event.preventDefault();
      }}
    >
      <h2 id="cancel-send-title">{t('history.cancelTitle')}</h2>
      {recap && (
        <>
          <p>{recap.when ? t('history.cancelScheduled', { when: recap.when }) : t('history.cancelPaused')}</p>
          <dl className="recap">
            <dt>{t('history.audience')}</dt>
            <dd data-testid="cancel-audience">{recap.audience}</dd>
            <dt>{t('history.text')}</dt>
            <dd data-testid="cancel-text" className="recap__text">
              {recap.text}
            </dd>
          </dl>
        </>
      )}
      <div className="dialog__actions">
        <button
          type="button"
          className="button button--danger"
          onClick={(event) => {
            if (event.detail <= 1 && recap) onConfirm(recap.send);
          }}
        >
          {t('history.cancelConfirm')}
        </button>
        <button
          ref={keepRef}
          type="button"
          className="button button--secondary"
          // Nor does it close under the second click of that double click: the admin reads the question first.
          onClick={(event) => {
            if (event.detail <= 1) onClose();
          }}
        >
          {t('history.cancelKeep')}
        </button>
      </div>
    </dialog>
  );
}
