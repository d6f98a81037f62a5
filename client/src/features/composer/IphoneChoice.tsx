import type { PayloadFit } from '../../lib/contract';
import { useI18n } from '../../lib/i18n';

/**
 * A text over the iPhone payload cap (the server's estimate, `fit.ios`): Bitrix24 would cut it byte by
 * byte and an iPhone may get nothing, so it cannot go as it is. The admin either sends it shortened for
 * everyone (what the preview shows; the checkbox must be on before Send is enabled) or edits the text.
 * `ready`: the answer is for the text as it is now (the choice is about the text the preview shows).
 * The characters kept leave out the closing "…".
 */
export function IphoneChoice({
  id,
  fit,
  length,
  ready,
  shorten,
  onShorten,
}: {
  id: string;
  fit: PayloadFit;
  /** The text's length in characters. */
  length: number;
  ready: boolean;
  shorten: boolean;
  onShorten: (shorten: boolean) => void;
}) {
  const { t } = useI18n();
  if (fit.ios.fits) return null;
  if (fit.ios.shown === null) {
    return (
      <p id={id} className="warning" role="alert" data-testid="iphone-budget">
        {t('composer.iphone.noRoom')}
      </p>
    );
  }
  return (
    <div id={id} className="warning" data-testid="iphone-budget">
      <p>
        {t('composer.iphone.tooLong', { shown: [...fit.ios.shown].length - 1, count: length })}
      </p>
      <label className="checkbox">
        <input type="checkbox" data-testid="shorten-for-iphone" checked={shorten} disabled={!ready} onChange={(event) => onShorten(event.target.checked)} />
        {t('composer.iphone.shorten')}
      </label>
      <p>{t('composer.iphone.orEdit')}</p>
    </div>
  );
}
