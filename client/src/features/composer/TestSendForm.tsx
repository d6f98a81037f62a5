import { useId, useState, type FormEvent } from 'react';
import { ApiError } from '../../lib/api';
import { useI18n } from '../../lib/i18n';
import { useSend } from './api';

/**
 * The first piece of the composer: a message, an optional image, and "Send test to me". One
 * idempotency key per composed message, so a double click or a retry never sends twice.
 */
export function TestSendForm() {
  const { t } = useI18n();
  const textId = useId();
  const avatarId = useId();
  const [text, setText] = useState('');
  const [avatar, setAvatar] = useState('');
  const [key, setKey] = useState(() => crypto.randomUUID());
  const send = useSend();

  const edit = (update: () => void) => {
    update();
    setKey(crypto.randomUUID());
    send.reset();
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (send.isPending) return;
    send.mutate({ idempotencyKey: key, text, ...(avatar.trim() ? { avatar: avatar.trim() } : {}), testToSelf: true });
  };

  const outcome = send.data?.send;
  return (
    <form className="card composer" onSubmit={submit} noValidate>
      <label htmlFor={textId}>{t('composer.message')}</label>
      <textarea id={textId} value={text} rows={4} onChange={(event) => edit(() => setText(event.target.value))} />
      <label htmlFor={avatarId}>{t('composer.avatar')}</label>
      <input id={avatarId} type="url" inputMode="url" placeholder="https://" value={avatar} onChange={(event) => edit(() => setAvatar(event.target.value))} />
      <button type="submit" disabled={send.isPending}>
        {t('composer.sendTestToMe')}
      </button>
      {send.isPending && <p role="status">{t('composer.sending')}</p>}
      {outcome && !outcome.error && (
        <p role="status" data-testid="send-outcome">
          {t('composer.accepted', { count: outcome.acceptedCount })}
        </p>
      )}
      {(outcome?.error || send.isError) && (
        <p role="alert" data-testid="send-error">
          {outcome?.error?.message ?? (send.error instanceof ApiError ? send.error.message : t('status.unavailable'))}
        </p>
      )}
    </form>
  );
}
