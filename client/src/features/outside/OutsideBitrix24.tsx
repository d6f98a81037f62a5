import { I18nProvider, useI18n } from '../../lib/i18n';
import { pageLanguage } from './pageLanguage';

/**
 * The app page opened in a plain browser (`npm start`, then its address): what the app is, where it runs
 * and how to try it without Bitrix24. Nothing has gone wrong, so it is no error (no alert role, no red).
 */
export function OutsideBitrix24() {
  return (
    <I18nProvider language={pageLanguage(window.location.search, navigator.languages)}>
      <Explanation />
    </I18nProvider>
  );
}

function Explanation() {
  const { language, t } = useI18n();
  return (
    <main className="page page--center" lang={language}>
      <section className="card outside" aria-labelledby="outside-title" data-testid="outside-bitrix24">
        <h1 id="outside-title">Team Push</h1>
        <p>{t('outside.about')}</p>
        <h2>{t('frame.outside.title')}</h2>
        <p>{t('frame.outside.body')}</p>
        <h2>{t('outside.demo.title')}</h2>
        <p>{t('outside.demo.body')}</p>
        <pre className="outside__command">
          <code>npm run demo</code>
        </pre>
      </section>
    </main>
  );
}
