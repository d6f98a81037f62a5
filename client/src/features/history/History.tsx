import { useEffect, useRef, useState } from 'react';
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

/** Still on its way (sending, queued, maybe paused by Bitrix24): not offered to send again until it ends. */
const STILL_SENDING: readonly SendView['status'][] = ['queued', 'sending'];

/**
 * Past and scheduled sends of this portal, newest first; cancel a scheduled or paused one, or send one
 * again (`onSendAgain` resolves once the composer has it; the button waits meanwhile). `highlightId`: the
 * send the composer led here (an answer that replayed it).
 */
export function History({ onSendAgain, highlightId = null }: { onSendAgain: (send: SendView) => Promise<void>; highlightId?: string | null }) {
  const { t, language } = useI18n();
  const history = useHistory();
  const [preparing, setPreparing] = useState<string | null>(null);
  const cancel = useCancelSend();
  const sends = history.data?.pages.flatMap((page) => page.sends) ?? [];
  const highlighted = useRef<HTMLTableRowElement>(null);
  const loaded = sends.length > 0;
  // Once, when the rows are there: the history polls, and the admin may scroll away meanwhile.
  useEffect(() => {
    if (loaded) highlighted.current?.scrollIntoView({ block: 'nearest' });
  }, [highlightId, loaded]);
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
              <tr
                key={send.id}
                data-testid="history-row"
                data-status={send.status}
                data-send-id={send.id}
                className={send.id === highlightId ? 'history__row--highlighted' : undefined}
                aria-current={send.id === highlightId ? 'true' : undefined}
                ref={send.id === highlightId ? highlighted : undefined}
              >
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
                  {!send.testToSelf && !STILL_SENDING.includes(send.status) && (
                    <button
                      type="button"
                      className="button button--secondary"
                      disabled={preparing === send.id}
                      aria-busy={preparing === send.id || undefined}
                      onClick={() => {
                        setPreparing(send.id);
                        void onSendAgain(send).finally(() => setPreparing(null));
                      }}
                    >
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
