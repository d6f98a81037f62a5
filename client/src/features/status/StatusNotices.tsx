import { useI18n } from '../../lib/i18n';
import { ApiError } from '../../lib/api';
import { useStatus } from './useStatus';

/** What an admin must know before sending: an unfinished install, or no usable stored authorization. */
export function StatusNotices() {
  const { t } = useI18n();
  const status = useStatus();
  if (status.isPending) return null;
  if (status.isError) {
    const code = status.error instanceof ApiError ? status.error.code : 'UNKNOWN';
    return (
      <p role="alert" data-testid="status-error">
        {code === 'UNKNOWN_PORTAL' ? t('status.notInstalled') : t('status.unavailable')}
      </p>
    );
  }
  const { user, portal, callerAuthorization, liveAdmins, missingScopes } = status.data;
  return (
    <>
      {portal.installState === 'new' && (
        <p role="status" data-testid="status-install-unfinished">
          {t('status.installUnfinished')}
        </p>
      )}
      {user.isAdmin && callerAuthorization !== 'live' && (
        <p role="alert" data-testid="status-reopen">
          {t('status.reopenApp')}
        </p>
      )}
      {user.isAdmin && missingScopes.length > 0 && (
        <p role="alert" data-testid="status-missing-scopes">
          {t('status.missingScopes', { scopes: missingScopes.join(', ') })}
        </p>
      )}
      {user.isAdmin && callerAuthorization === 'live' && (
        <p data-testid="status-ready">{t('status.ready', { appName: portal.appName, admins: liveAdmins })}</p>
      )}
    </>
  );
}
