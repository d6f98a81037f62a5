import { useI18n, type Translate } from '../../lib/i18n';
import type { Audience } from '../../entities/audience/selection';
import type { SendView } from '../../entities/send/model';
import { useCancelSend, useHistory, useUserNames } from './api';

function audienceSummary(send: SendView, t: Translate): string {
  if (send.testToSelf) return t('history.testToSelf');
  const audience: Audience = send.audience ?? {};
  if (audience.all || audience.accessCodes?.includes('AU')) return t('recipients.all');
  const parts: string[] = [];
  const codes = audience.accessCodes ?? [];
  const users = (audience.users?.length ?? 0) + codes.filter((code) => /^I?U\d/.test(code)).length;
  const departments = (audience.departments?.length ?? 0) + codes.filter((code) => /^DR?\d/.test(code)).length;
  const groups = (audience.groups?.length ?? 0) + codes.filter((code) => code.startsWith('SG')).length;
  if (users) parts.push(t('history.people', { count: users }));
  if (departments) parts.push(t('history.departments', { count: departments }));
  if (groups) parts.push(t('history.groups', { count: groups }));
  return parts.join(', ');
}

/** Past and scheduled sends of this portal, newest first; cancel a scheduled or paused one, or send one again. */
export function History({ onSendAgain }: { onSendAgain: (send: SendView) => void }) {
  const { t, language } = useI18n();
  const history = useHistory();
  const cancel = useCancelSend();
  const sends = history.data?.pages.flatMap((page) => page.sends) ?? [];
  const names = useUserNames(sends.map((send) => send.senderId));
  const when = (at: number) => new Date(at).toLocaleString(language, { dateStyle: 'medium', timeStyle: 'short' });

  if (history.isPending) return <p role="status">{t('frame.loading')}</p>;
  if (history.isError) return <p role="alert">{history.error.message}</p>;
  if (sends.length === 0) return <p className="card">{t('history.empty')}</p>;

  return (
    <section className="card history" aria-labelledby="history-title">
      <h2 id="history-title">{t('history.title')}</h2>
      {cancel.isError && <p role="alert">{cancel.error.message}</p>}
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">{t('history.when')}</th>
              <th scope="col">{t('history.who')}</th>
              <th scope="col">{t('history.text')}</th>
              <th scope="col">{t('history.audience')}</th>
              <th scope="col">{t('history.recipients')}</th>
              <th scope="col">{t('history.status')}</th>
              <th scope="col">
                <span className="visually-hidden">{t('history.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sends.map((send) => (
              <tr key={send.id} data-testid="history-row" data-status={send.status}>
                <td>
                  {send.status === 'scheduled' && send.sendAt ? t('history.scheduledFor', { when: when(send.sendAt) }) : when(send.createdAt)}
                </td>
                <td>{names.data?.get(send.senderId) ?? `#${send.senderId}`}</td>
                <td className="history__text">{send.text}</td>
                <td>{audienceSummary(send, t)}</td>
                <td>
                  {send.recipientCount === null ? '—' : t('history.accepted', { accepted: send.acceptedCount, count: send.recipientCount })}
                </td>
                <td>
                  <span className={`badge badge--${send.status}`}>{t(`history.status.${send.status}`)}</span>
                  {send.pausedUntil && (
                    <p className="hint" data-testid="history-paused">
                      {t('history.pausedUntil', { time: new Date(send.pausedUntil).toLocaleTimeString(language, { timeStyle: 'short' }) })}
                    </p>
                  )}
                  {send.error && <p className="field-error">{send.error.message}</p>}
                </td>
                <td className="history__actions">
                  {(send.status === 'scheduled' || (send.pausedUntil !== null && (send.status === 'sending' || send.status === 'queued'))) && (
                    <button type="button" className="button button--secondary" disabled={cancel.isPending} onClick={() => cancel.mutate(send.id)}>
                      {t('history.cancel')}
                    </button>
                  )}
                  {!send.testToSelf && (
                    <button type="button" className="button button--secondary" onClick={() => onSendAgain(send)}>
                      {t('history.sendAgain')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {history.hasNextPage && (
        <button type="button" className="button button--secondary" disabled={history.isFetchingNextPage} onClick={() => void history.fetchNextPage()}>
          {t('history.more')}
        </button>
      )}
    </section>
  );
}
