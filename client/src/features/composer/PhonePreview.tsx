import { useI18n } from '../../lib/i18n';

/**
 * How the notification looks on a phone: the app's registered name as title, the avatar (`image`: its URL
 * once the browser has loaded it, else the app's initial), the text as
 * each kind of phone will show it (the server's `fit.ios.shown` for an iPhone). One screen when both
 * show the same; an iPhone and an Android screen when they differ (a text too long for iPhones that the
 * admin has not chosen to shorten for everyone). `ios` null: nothing can reach an iPhone.
 */
export function PhonePreview({ appName, image, ios, android }: { appName: string; image: string | null; ios: string | null; android: string }) {
  const { t } = useI18n();
  const same = ios === android;
  return (
    <figure className="phone" aria-label={t('composer.preview')} data-testid="phone-preview">
      <figcaption className="phone__caption">{t('composer.preview')}</figcaption>
      <span className="phone__caption" data-testid="preview-device">
        {same ? 'iPhone · Android' : 'iPhone'}
      </span>
      <Screen appName={appName} image={image} text={ios ?? t('composer.iphone.nothing')} suffix="" device={same ? 'ios android' : 'ios'} />
      {!same && (
        <>
          <span className="phone__caption" data-testid="preview-device-android">
            Android
          </span>
          <Screen appName={appName} image={image} text={android} suffix="-android" device="android" />
        </>
      )}
    </figure>
  );
}

function Screen({ appName, image, text, suffix, device }: { appName: string; image: string | null; text: string; suffix: string; device: string }) {
  const { t } = useI18n();
  return (
    <div className="phone__screen">
      <div className="notification" data-testid={`preview-notification${suffix}`} data-devices={device}>
        <div className="notification__icon" aria-hidden="true">
          {image ? <img src={image} alt="" width={36} height={36} referrerPolicy="no-referrer" /> : <span>{appName.slice(0, 1).toUpperCase()}</span>}
        </div>
        <div className="notification__body">
          <div className="notification__head">
            <strong data-testid={`preview-title${suffix}`}>{appName}</strong>
            <span className="notification__time">{t('composer.now')}</span>
          </div>
          <p className="notification__text" data-testid={`preview-text${suffix}`}>
            {text || t('composer.previewEmpty')}
          </p>
        </div>
      </div>
    </div>
  );
}
