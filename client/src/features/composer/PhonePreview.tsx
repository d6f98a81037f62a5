import { useI18n } from '../../lib/i18n';
import { avatarProblem } from './MessageFields';

/** How the notification looks on a phone: the app's registered name as title, the avatar, the text. */
export function PhonePreview({ appName, text, avatar }: { appName: string; text: string; avatar: string }) {
  const { t } = useI18n();
  const image = avatar.trim() && !avatarProblem(avatar) ? avatar.trim() : null;
  return (
    <figure className="phone" aria-label={t('composer.preview')} data-testid="phone-preview">
      <figcaption className="phone__caption">{t('composer.preview')}</figcaption>
      <div className="phone__screen">
        <div className="notification">
          <div className="notification__icon" aria-hidden="true">
            {image ? <img src={image} alt="" width={36} height={36} referrerPolicy="no-referrer" /> : <span>{appName.slice(0, 1).toUpperCase()}</span>}
          </div>
          <div className="notification__body">
            <div className="notification__head">
              <strong data-testid="preview-title">{appName}</strong>
              <span className="notification__time">{t('composer.now')}</span>
            </div>
            <p className="notification__text" data-testid="preview-text">
              {text.trim() || t('composer.previewEmpty')}
            </p>
          </div>
        </div>
      </div>
    </figure>
  );
}
