import { useI18n } from '../../lib/i18n';
import { useModalDialog } from '../../lib/useModalDialog';
import type { ImageState } from './useImageCheck';

/** What the confirmation recaps: everything the send will do, as it will do it. */
export interface Recap {
  action: 'send' | 'schedule';
  /** The audience by name ("Sales and its sub-departments, Migration Team B"). */
  audience: string;
  everybody: boolean;
  /** The current audience's count; null while it is counted (or the count on screen is another audience's). */
  count: number | null;
  /** Why counting failed, if it did. */
  countError: string | null;
  /** The text as the phone shows it. */
  text: string;
  image: ImageState;
  /** When a scheduled send goes, in the admin's words; null for now. */
  when: string | null;
}

/**
 * A modal that recaps a send before it goes (native <dialog>: focus stays inside): who by name, how many
 * (or that they are still being counted: the number appears as soon as it is known), the text as the
 * phone shows it, and when. Focus starts on Cancel, and the second click of a double click never
 * confirms: a send is confirmed by a deliberate press.
 */
export function ConfirmDialog({ open, recap, onConfirm, onCancel }: { open: boolean; recap: Recap; onConfirm: () => void; onCancel: () => void }) {
  const { t } = useI18n();
  // Focus starts on Cancel.
  const { dialogRef: ref, safeRef: cancelRef } = useModalDialog(open);
  const { count } = recap;
  const amount = count === null ? t('confirm.unknownCount') : t('confirm.count', { count });
  const scheduled = recap.action === 'schedule';
  const body = scheduled ? t('confirm.scheduledBody', { amount }) : recap.everybody ? t('confirm.everybody', { amount }) : t('confirm.body', { amount });
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby="confirm-title"
      data-testid="confirm-dialog"
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      <h2 id="confirm-title">{scheduled ? t('confirm.titleSchedule') : t('confirm.title')}</h2>
      <p>{body}</p>
      {open && (
        <dl className="recap">
          <dt>{t('confirm.recipients')}</dt>
          <dd data-testid="confirm-audience">{recap.audience}</dd>
          <dt>{t('confirm.howMany')}</dt>
          <dd data-testid="confirm-count" aria-live="polite" data-known={count !== null}>
            {count !== null ? t('confirm.reach', { count }) : recap.countError ? t('confirm.countFailed', { message: recap.countError }) : t('confirm.counting')}
          </dd>
          <dt>{t('confirm.message')}</dt>
          <dd data-testid="confirm-text" className="recap__text">
            {recap.text}
          </dd>
          {(recap.image === 'waiting' || recap.image === 'failed') && (
            <dd className="field-error" data-testid="confirm-image">
              {recap.image === 'failed' ? t('confirm.imageFailed') : t('confirm.imageWaiting')}
            </dd>
          )}
          <dt>{t('confirm.when')}</dt>
          <dd data-testid="confirm-when">{recap.when ?? t('confirm.now')}</dd>
        </dl>
      )}
      <div className="dialog__actions">
        <button
          type="button"
          className="button"
          // The second click of a double click on Send must not confirm unread (a second Enter lands on Cancel, which has the focus).
          onClick={(event) => {
            if (event.detail <= 1) onConfirm();
          }}
        >
          {scheduled ? t('confirm.schedule', { amount }) : t('confirm.send', { amount })}
        </button>
        <button ref={cancelRef} type="button" className="button button--secondary" onClick={onCancel}>
          {t('confirm.cancel')}
        </button>
      </div>
    </dialog>
  );
}
