import { useId, type ReactNode } from 'react';
import { AVATAR_MAX_CHARS, TEXT_MAX_CHARS } from '../../lib/contract';
import { useI18n } from '../../lib/i18n';
import type { MessageFit } from './api';
import type { ImageState } from './useImageCheck';

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

/**
 * "Message" with a live counter (characters, and bytes on the phone); "Avatar URL" with a thumbnail and
 * validation: the address's form at once, whether the image loads once the address has settled
 * (`image`, ./useImageCheck.ts). `children`: what goes under the text (the choice for a text too long
 * for iPhones).
 */
export function MessageFields({
  text,
  avatar,
  image,
  fit,
  onText,
  onAvatar,
  children,
}: {
  text: string;
  avatar: string;
  image: { state: ImageState; src: string | null };
  fit: MessageFit;
  onText: (text: string) => void;
  onAvatar: (avatar: string) => void;
  children?: ReactNode;
}) {
  const { t } = useI18n();
  const textId = useId();
  const counterId = useId();
  const avatarId = useId();
  const avatarHintId = useId();
  const length = [...text.trim()].length;
  const tooLong = length > TEXT_MAX_CHARS;
  const problem = avatarProblem(avatar);
  const notLoaded = !problem && image.state === 'failed';

  return (
    <fieldset className="card message">
      <legend>{t('composer.messageTitle')}</legend>
      <label htmlFor={textId}>{t('composer.message')}</label>
      <textarea id={textId} value={text} rows={5} aria-describedby={counterId} aria-invalid={tooLong || undefined} onChange={(event) => onText(event.target.value)} />
      <p id={counterId} className={tooLong ? 'counter counter--over' : 'counter'} data-testid="text-counter">
        {t('composer.counter', { count: length, max: TEXT_MAX_CHARS })}
        {fit.latest && ` · ${t('composer.bytes', { bytes: fit.latest.bytes })}`}
      </p>
      {children}

      <label htmlFor={avatarId}>{t('composer.avatar')}</label>
      <div className="avatar-field">
        <input
          id={avatarId}
          type="url"
          inputMode="url"
          placeholder="https://"
          value={avatar}
          aria-invalid={problem || notLoaded ? true : undefined}
          aria-describedby={avatarHintId}
          onChange={(event) => onAvatar(event.target.value)}
        />
        {image.src && <img className="avatar-field__thumb" src={image.src} alt={t('composer.avatarThumb')} width={40} height={40} referrerPolicy="no-referrer" />}
      </div>
      <p id={avatarHintId} className={problem || notLoaded ? 'field-error' : 'hint'} data-testid="avatar-hint" data-image={image.state}>
        {problem ? t(`composer.avatar.${problem}`) : notLoaded ? t('composer.avatar.notLoaded') : t('composer.avatarHint')}
      </p>
    </fieldset>
  );
}
