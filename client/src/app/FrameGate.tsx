import { useEffect, useState, type ReactNode } from 'react';
import type { B24Frame } from '@bitrix24/b24jssdk';
import { connectFrame, FrameUnavailableError, type FrameProblem } from '../lib/frame';
import { I18nProvider, languageFromUrl, toLanguage, useI18n } from '../lib/i18n';
import { FrameContext } from '../lib/frameContext';
import { ScreenBoundary } from '../lib/ErrorBoundary';
import { OutsideBitrix24 } from '../features/outside/OutsideBitrix24';

type GateState = { status: 'connecting' } | { status: 'ready'; frame: B24Frame } | { status: 'unavailable'; problem: FrameProblem };

/** Renders children only once the Bitrix24 frame has answered; otherwise a clear page. A crash below shows a translated message, never a blank frame. */
export function FrameGate({ children }: { children: ReactNode }) {
  const [state, setState] = useState<GateState>({ status: 'connecting' });

  useEffect(() => {
    let live = true;
    connectFrame().then(
      (frame) => live && setState({ status: 'ready', frame }),
      (error: unknown) => live && setState({ status: 'unavailable', problem: error instanceof FrameUnavailableError ? error.problem : 'failed' }),
    );
    return () => {
      live = false;
    };
  }, []);

  if (state.status !== 'ready') {
    return (
      <I18nProvider language={languageFromUrl()}>
        {state.status === 'connecting' ? <Connecting /> : state.problem === 'outside' ? <OutsideBitrix24 /> : <FrameUnavailable problem={state.problem} />}
      </I18nProvider>
    );
  }
  return (
    <I18nProvider language={toLanguage(state.frame.getLang())}>
      <FrameContext.Provider value={state.frame}>
        <ScreenBoundary name="app">{children}</ScreenBoundary>
      </FrameContext.Provider>
    </I18nProvider>
  );
}

function Connecting() {
  const { t } = useI18n();
  return (
    <main className="page page--center" aria-busy="true">
      <p role="status">{t('frame.loading')}</p>
    </main>
  );
}

function FrameUnavailable({ problem }: { problem: FrameProblem }) {
  const { t } = useI18n();
  return (
    <main className="page page--center">
      <section className="card" role="alert">
        <h1>{t(`frame.${problem}.title`)}</h1>
        <p>{t(`frame.${problem}.body`)}</p>
      </section>
    </main>
  );
}
