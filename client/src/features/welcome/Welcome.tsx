import { useEffect } from 'react';
import { useFrame } from '../../app/frameContext';
import { useI18n } from '../../lib/i18n';
import { fullName, useProfile } from './useProfile';
import { StatusNotices } from '../status/StatusNotices';
import { useStatus } from '../status/useStatus';
import { TestSendForm } from '../composer/TestSendForm';

/** Placeholder app page of the foundation: proves the frame works by greeting the signed-in user. */
export function Welcome() {
  const frame = useFrame();
  const { t } = useI18n();
  const profile = useProfile();
  const status = useStatus();

  useEffect(() => {
    void frame.parent.setTitle(t('welcome.title'));
  }, [frame, t]);

  useEffect(() => {
    void frame.parent.fitWindow();
  }, [frame, profile.status, status.status]);

  return (
    <main className="page">
      <h1>{t('welcome.title')}</h1>
      {profile.isPending && <p role="status">{t('frame.loading')}</p>}
      {profile.isError && <p role="alert">{t('welcome.profileError', { message: profile.error.message })}</p>}
      {profile.data && (
        <section className="card">
          <p data-testid="signed-in-user">{t('welcome.signedInAs', { name: fullName(profile.data) })}</p>
          <p>{profile.data.ADMIN ? t('welcome.admin') : t('welcome.notAdmin')}</p>
          <StatusNotices />
        </section>
      )}
      {status.data?.user.isAdmin && status.data.callerAuthorization === 'live' && <TestSendForm />}
    </main>
  );
}
