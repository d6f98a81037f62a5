import { lazy, Suspense, useEffect, useId, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useApi } from '../lib/api';
import { ScreenBoundary } from '../lib/ErrorBoundary';
import { useFrame } from '../lib/frameContext';
import { useI18n } from '../lib/i18n';
import { fullName, profileKeys, useProfile } from '../features/welcome/useProfile';
import { StatusNotices } from '../features/status/StatusNotices';
import { statusKeys, useStatus } from '../features/status/useStatus';
import { Composer, type Draft } from '../features/composer/Composer';
import { RecipientPicker } from '../features/recipients/RecipientPicker';
import type { SendView } from '../entities/send/model';
import { useFitFrame } from './useFitFrame';
import { TabList, tabId } from '../lib/TabList';

/** History and "send again" load when first wanted: the frame's first download stays within its budget (decision 0012). */
const History = lazy(() => import('../features/history/History').then((module) => ({ default: module.History })));

type Tab = 'compose' | 'history';
const TABS: readonly Tab[] = ['compose', 'history'];
const EMPTY_DRAFT: Draft = { picks: [], text: '', avatar: '' };

/** The app page opened from the left menu: who you are, then the composer and the history (admins only). */
export function App() {
  const frame = useFrame();
  const { t } = useI18n();
  const baseId = useId();
  const profile = useProfile();
  const status = useStatus();
  const [tab, setTab] = useState<Tab>('compose');
  const [draft, setDraft] = useState<{ value: Draft; version: number }>({ value: EMPTY_DRAFT, version: 0 });
  const [highlight, setHighlight] = useState<string | null>(null);
  const sendAgainRequest = useRef(0);
  const rootRef = useFitFrame(frame);
  const api = useApi();
  const queryClient = useQueryClient();

  /** "Send again": the send's message and audience, named as the portal names them now; the last click wins. */
  const sendAgain = async (send: SendView) => {
    const request = ++sendAgainRequest.current;
    const { draftFromSend } = await import('./sendAgain');
    const value = await draftFromSend(queryClient, api, send, t);
    if (request !== sendAgainRequest.current) return;
    setDraft((current) => ({ value, version: current.version + 1 }));
    setTab('compose');
  };
  const showSend = (sendId: string) => {
    setHighlight(sendId);
    setTab('history');
  };
  // After a crash, a screen is drawn afresh from the server's answers, not from what it crashed on.
  const resetScreenData = () => void queryClient.resetQueries({ predicate: (query) => query.queryKey[0] !== statusKeys.all[0] && query.queryKey[0] !== profileKeys.all[0] });

  useEffect(() => {
    void frame.parent.setTitle(t('app.title'));
    document.title = t('app.title');
  }, [frame, t]);

  const canSend = status.data?.user.isAdmin === true && status.data.callerAuthorization === 'live';
  const selfId = status.data?.user.id ?? 0;
  return (
    <main className="page" ref={rootRef}>
      <header className="page__header">
        <h1 className="visually-hidden">{t('app.title')}</h1>
        {profile.data && (
          <p className="hint" data-testid="signed-in-user">
            {t('welcome.signedInAs', { name: fullName(profile.data) })}
          </p>
        )}
      </header>
      {profile.isError && <p role="alert">{t('welcome.profileError', { message: profile.error.message })}</p>}
      <StatusNotices />
      {status.data && !status.data.user.isAdmin && (
        <section className="card notice" data-testid="not-admin">
          <h2>{t('app.notAdminTitle')}</h2>
          <p>{t('welcome.notAdmin')}</p>
          <p className="hint">{t('app.notAdminHint')}</p>
        </section>
      )}
      {canSend && status.data && (
        <>
          <TabList
            tabs={TABS}
            selected={tab}
            onSelect={(next) => {
              setHighlight(null);
              setTab(next);
            }}
            label={t('app.title')}
            idPrefix={baseId}
            panelId={`${baseId}-panel`}
            labelOf={(name) => t(`app.tab.${name}`)}
          />
          <div id={`${baseId}-panel`} role="tabpanel" aria-labelledby={tabId(baseId, tab)}>
            <ScreenBoundary key={tab} name={tab} onRetry={resetScreenData}>
              {tab === 'compose' ? (
                <Composer
                  key={draft.version}
                  appName={status.data.portal.appName}
                  draft={draft.value}
                  recipients={(picker) => <RecipientPicker {...picker} selfId={selfId} />}
                  onShowSend={showSend}
                />
              ) : (
                <Suspense fallback={<p role="status">{t('frame.loading')}</p>}>
                  <History highlightId={highlight} onSendAgain={sendAgain} />
                </Suspense>
              )}
            </ScreenBoundary>
          </div>
        </>
      )}
    </main>
  );
}
