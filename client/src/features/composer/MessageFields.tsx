import { useId, type ReactNode } from 'react';
import { TEXT_MAX_CHARS } from '../../lib/contract';
import { useI18n } from '../../lib/i18n';
import type { MessageFit } from './api';
import type { ImageState } from './useImageCheck';

/**
 * "Message" with a live counter (characters, and bytes on the phone); "Avatar URL" with a thumbnail and
 * validation: the address's form at once, whether the image loads once the address has settled
 * (`image`, ./useImageCheck.ts). `textError` and `avatarError` are shown at their field: the composer's
 * own checks before sending (./preChecks.ts) or the server's refusal naming the field, in the same
 * words. `children`: what goes under the text (the choice for a text too long for iPhones).
 */
export function MessageFields({
  text,
  avatar,
  image,
  fit,
  textError,
  avatarError,
  onText,
  onAvatar,
  children,
}: {
  text: string;
  avatar: string;
  image: { state: ImageState; src: string | null };
  fit: MessageFit;
  textError: string | null;
  avatarError: string | null;
  onText: (text: string) => void;
  onAvatar: (avatar: string) => void;
  children?: ReactNode;
}) {
  const { t } = useI18n();
  const textId = useId();
  const counterId = useId();
  const textErrorId = useId();
  const avatarId = useId();
  const avatarHintId = useId();
  const length = [...text.trim()].length;
  const tooLong = length > TEXT_MAX_CHARS;
  const notLoaded = !avatarError && image.state === 'failed';

  return (
    <fieldset className="card message">
      <legend>{t('composer.messageTitle')}</legend>
      <label htmlFor={textId}>{t('composer.message')}</label>
      <textarea
        id={textId}
        value={text}
        rows={5}
        aria-describedby={textError ? `${counterId} ${textErrorId}` : counterId}
        aria-invalid={tooLong || textError ? true : undefined}
        onChange={(event) => onText(event.target.value)}
      />
      <p id={counterId} className={tooLong ? 'counter counter--over' : 'counter'} data-testid="text-counter">
        {t('composer.counter', { count: length, max: TEXT_MAX_CHARS })}
        {fit.latest && ` · ${t('composer.bytes', { bytes: fit.latest.bytes })}`}
      </p>
      {textError && (
        <p id={textErrorId} className="field-error" role="alert" data-testid="field-error-text">
          {textError}
        </p>
      )}
      {children}

      <label htmlFor={avatarId}>{t('composer.avatar')}</label>
      <div className="avatar-field">
        <input
          id={avatarId}
          type="url"
          inputMode="url"
          placeholder="https://"
          value={avatar}
          aria-invalid={avatarError || notLoaded ? true : undefined}
          aria-describedby={avatarHintId}
          onChange={(event) => onAvatar(event.target.value)}
        />
        {image.src && <img className="avatar-field__thumb" src={image.src} alt={t('composer.avatarThumb')} width={40} height={40} referrerPolicy="no-referrer" />}
      </div>
      <p id={avatarHintId} className={avatarError || notLoaded ? 'field-error' : 'hint'} data-testid="avatar-hint" data-image={image.state}>
        {avatarError ?? (notLoaded ? t('composer.avatar.notLoaded') : t('composer.avatarHint'))}
      </p>
    </fieldset>
  );
}
