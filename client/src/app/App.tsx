import { useEffect, useId, useState } from 'react';
import { useFrame } from '../lib/frameContext';
import { useI18n } from '../lib/i18n';
import { fullName, useProfile } from '../features/welcome/useProfile';
import { StatusNotices } from '../features/status/StatusNotices';
import { useStatus } from '../features/status/useStatus';
import { Composer, type Draft } from '../features/composer/Composer';
import { History } from '../features/history/History';
import { RecipientPicker } from '../features/recipients/RecipientPicker';
import { fromAudience } from '../entities/audience/selection';
import { useFitFrame } from './useFitFrame';
import { TabList, tabId } from '../lib/TabList';

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
  const rootRef = useFitFrame(frame);

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
          <TabList tabs={TABS} selected={tab} onSelect={setTab} label={t('app.title')} idPrefix={baseId} panelId={`${baseId}-panel`} labelOf={(name) => t(`app.tab.${name}`)} />
          <div id={`${baseId}-panel`} role="tabpanel" aria-labelledby={tabId(baseId, tab)}>
            {tab === 'compose' ? (
              <Composer
                key={draft.version}
                appName={status.data.portal.appName}
                draft={draft.value}
                recipients={(picker) => <RecipientPicker {...picker} selfId={selfId} />}
              />
            ) : (
              <History
                onSendAgain={(send) => {
                  const labels = { user: t('history.person'), department: t('history.department'), group: t('history.group') };
                  setDraft((current) => ({ value: { picks: fromAudience(send.audience, labels), text: send.text, avatar: send.avatar ?? '' }, version: current.version + 1 }));
                  setTab('compose');
                }}
              />
            )}
          </div>
        </>
      )}
    </main>
  );
}
