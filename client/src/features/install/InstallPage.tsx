import { useEffect, useState } from 'react';
import { useFrame } from '../../lib/frameContext';
import { useI18n } from '../../lib/i18n';
import { bindAppEvents } from './bindAppEvents';

/** Once per page load: StrictMode runs effects twice in development, and binding twice would race. */
let installRun: Promise<void> | null = null;

type InstallStep = { step: 'binding' } | { step: 'done' } | { step: 'already' } | { step: 'failed'; message: string };

/** Binds the app's events, then tells Bitrix24 the installation is finished (the portal then reloads the frame). */
export function InstallPage() {
  const frame = useFrame();
  const { t } = useI18n();
  const [state, setState] = useState<InstallStep>(() => (frame.isInstallMode ? { step: 'binding' } : { step: 'already' }));

  useEffect(() => {
    if (!frame.isInstallMode) return;
    // The real portal never answers setInstallFinish: it reloads the frame instead, so it is not awaited.
    installRun ??= bindAppEvents(frame).then(() => void frame.installFinish());
    installRun.then(
      () => setState({ step: 'done' }),
      (error: unknown) => setState({ step: 'failed', message: error instanceof Error ? error.message : String(error) }),
    );
  }, [frame]);

  return (
    <main className="page">
      <h1>{t('install.title')}</h1>
      {state.step === 'binding' && <p role="status">{t('install.binding')}</p>}
      {state.step === 'done' && <p role="status" data-testid="install-done">{t('install.done')}</p>}
      {state.step === 'already' && <p role="status">{t('install.alreadyInstalled')}</p>}
      {state.step === 'failed' && <p role="alert">{t('install.failed', { message: state.message })}</p>}
    </main>
  );
}
