import { useId } from 'react';
import { AVATAR_MAX_CHARS, TEXT_MAX_CHARS } from '../../lib/contract';
import { useI18n } from '../../lib/i18n';
import { useMessageFit } from './api';

/** The contract's limits: the server decides, this only warns early. */
export function avatarProblem(avatar: string): 'notHttps' | 'tooLong' | null {
  const value = avatar.trim();
  if (!value) return null;
  if (value.length > AVATAR_MAX_CHARS) return 'tooLong';
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && url.hostname !== '' ? null : 'notHttps';
  } catch {
    return 'notHttps';
  }
}

/** "Message" with a live counter and device-cap warnings; "Avatar URL" with a thumbnail and validation. */
export function MessageFields({ text, avatar, onText, onAvatar }: { text: string; avatar: string; onText: (text: string) => void; onAvatar: (avatar: string) => void }) {
  const { t } = useI18n();
  const textId = useId();
  const counterId = useId();
  const avatarId = useId();
  const avatarHintId = useId();
  const fit = useMessageFit(text, avatar);
  const length = [...text.trim()].length;
  const tooLong = length > TEXT_MAX_CHARS;
  const problem = avatarProblem(avatar);
  const cutOn = fit.data ? [!fit.data.ios.fits && 'iOS', !fit.data.android.fits && 'Android'].filter(Boolean) : [];

  return (
    <fieldset className="card message">
      <legend>{t('composer.messageTitle')}</legend>
      <label htmlFor={textId}>{t('composer.message')}</label>
      <textarea id={textId} value={text} rows={5} aria-describedby={counterId} aria-invalid={tooLong || undefined} onChange={(event) => onText(event.target.value)} />
      <p id={counterId} className={tooLong ? 'counter counter--over' : 'counter'} data-testid="text-counter">
        {t('composer.counter', { count: length, max: TEXT_MAX_CHARS })}
        {fit.data && ` · ${t('composer.bytes', { bytes: fit.data.bytes })}`}
      </p>
      {cutOn.length > 0 && (
        <p className="warning" data-testid="fit-warning">
          {t('composer.willBeCut', { devices: cutOn.join(', ') })}
        </p>
      )}

      <label htmlFor={avatarId}>{t('composer.avatar')}</label>
      <div className="avatar-field">
        <input
          id={avatarId}
          type="url"
          inputMode="url"
          placeholder="https://"
          value={avatar}
          aria-invalid={problem ? true : undefined}
          aria-describedby={avatarHintId}
          onChange={(event) => onAvatar(event.target.value)}
        />
        {avatar.trim() && !problem && <img className="avatar-field__thumb" src={avatar.trim()} alt={t('composer.avatarThumb')} width={40} height={40} referrerPolicy="no-referrer" />}
      </div>
      <p id={avatarHintId} className={problem ? 'field-error' : 'hint'} data-testid="avatar-hint">
        {problem ? t(`composer.avatar.${problem}`) : t('composer.avatarHint')}
      </p>
    </fieldset>
  );
}
