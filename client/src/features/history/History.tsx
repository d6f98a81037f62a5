import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { useI18n, type Translate } from '../../lib/i18n';
import type { PortalNames } from '../../entities/audience/named';
import type { Audience } from '../../entities/audience/selection';
import type { HistoryTests } from '../../entities/send/api';
import type { SendView } from '../../entities/send/model';
import { zoneLabel, zonedFormat, type ZonedFormat } from '../../entities/employee/timeZone';
import { useAudienceNames, useCancelSend, useDisplayZone, useHistory, useUserNames } from './api';
import { audienceInWords } from './audienceInWords';
import { CancelDialog, type CancelRecap } from './CancelDialog';
import { excerpt } from './excerpt';
import { useNarrow } from './useNarrow';

/** By count, while the names are read: "2 people, 1 department". */
function audienceCounted(audience: Audience, t: Translate): string {
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

const cancellable = (send: SendView) => send.status === 'scheduled' || (send.pausedUntil !== null && STILL_SENDING.includes(send.status));

/** The admin's choice to hide tests to oneself, kept for the next visit to History. */
const HIDE_TESTS_KEY = 'teamPush.history.hideTests';

function useHideTests(): [boolean, (hide: boolean) => void] {
  const [hide, setHide] = useState(() => {
    try {
      return window.localStorage.getItem(HIDE_TESTS_KEY) === '1';
    } catch {
      return false;
    }
  });
  const change = (next: boolean) => {
    setHide(next);
    try {
      window.localStorage.setItem(HIDE_TESTS_KEY, next ? '1' : '0');
    } catch {
      // Storage may be unavailable in the frame; the choice then lasts while History is open.
    }
  };
  return [hide, change];
}

/**
 * Past and scheduled sends of this portal, newest first, a page at a time ("Show older"); as a table, or
 * as cards in a narrow frame (Status and Actions stay in view). Each send shows when it was created, when
 * it was scheduled for and when it ended, in the admin's Bitrix24 time zone (named above the list), its
 * audience by name, its text (a long one shortened, with a way to read it whole) and whether it was a
 * test. Tests can be hidden. A scheduled or paused send can be cancelled, after a question; one that
 * ended can be sent again (`onSendAgain` resolves once the composer has it; the button waits meanwhile).
 * `highlightId`: the send the composer led here (an answer that replayed it).
 */
export function History({ onSendAgain, highlightId = null }: { onSendAgain: (send: SendView) => Promise<void>; highlightId?: string | null }) {
  const { t, language } = useI18n();
  const [hideTests, setHideTests] = useHideTests();
  const tests: HistoryTests = hideTests ? 'exclude' : 'include';
  const history = useHistory(tests);
  const [preparing, setPreparing] = useState<string | null>(null);
  const [asking, setAsking] = useState<CancelRecap | null>(null);
  const cancel = useCancelSend();
  const narrow = useNarrow();
  const zone = useDisplayZone();
  // The zone's offset as it is when History opens (the label's "UTC+02:00").
  const [openedAt] = useState(() => Date.now());
  const sends = history.data?.pages.flatMap((page) => page.sends) ?? [];
  const highlighted = useRef<HTMLElement | null>(null);
  const loaded = sends.length > 0;
  // Once, when the rows are there: the history polls, and the admin may scroll away meanwhile.
  useEffect(() => {
    if (loaded) highlighted.current?.scrollIntoView({ block: 'nearest' });
  }, [highlightId, loaded, narrow]);
  const senders = useUserNames(sends.map((send) => send.senderId));
  const namesFor = useAudienceNames(sends);

  if (history.isPending || !zone) return <p role="status">{t('frame.loading')}</p>;
  if (history.isError) return <p role="alert">{history.error.message}</p>;
  if (sends.length === 0 && !hideTests) return <p className="card">{t('history.empty')}</p>;

  const format = zonedFormat(zone, language);
  const audienceOf = (send: SendView): string => {
    if (send.testToSelf || !send.audience) return t('history.testToSelf');
    const names: PortalNames | null = namesFor(send.audience);
    return names ? audienceInWords(send.audience, names, t) : audienceCounted(send.audience, t);
  };
  const rows = sends.map((send): Row => ({ send, audience: audienceOf(send), sender: senders.data?.get(send.senderId) ?? `#${send.senderId}` }));
  const actions = (row: Row) => (
    <Actions
      send={row.send}
      cancelling={cancel.isPending}
      preparing={preparing === row.send.id}
      onCancel={() => setAsking({ send: row.send, audience: row.audience, text: row.send.text, when: row.send.status === 'scheduled' && row.send.sendAt !== null ? format.dateTime(row.send.sendAt) : null })}
      onSendAgain={() => {
        setPreparing(row.send.id);
        void onSendAgain(row.send).finally(() => setPreparing(null));
      }}
    />
  );
  const rowProps = (send: SendView) => ({
    'data-testid': 'history-row',
    'data-status': send.status,
    'data-send-id': send.id,
    'data-test-send': send.testToSelf || undefined,
    'aria-current': send.id === highlightId ? ('true' as const) : undefined,
    ref:
      send.id === highlightId
        ? (node: HTMLElement | null) => {
            highlighted.current = node;
          }
        : undefined,
  });

  return (
    <section className="card history" aria-labelledby="history-title">
      <h2 id="history-title">{t('history.title')}</h2>
      <div className="history__tools">
        <p className="hint" data-testid="history-zone">
          {t(zone.source === 'bitrix24' ? 'history.zone' : 'history.zoneBrowser', { zone: zoneLabel(zone, openedAt) })}
        </p>
        <label className="checkbox">
          <input type="checkbox" checked={hideTests} onChange={(event) => setHideTests(event.target.checked)} />
          {t('history.hideTests')}
        </label>
      </div>
      {cancel.isError && <p role="alert">{cancel.error.message}</p>}
      {sends.length === 0 ? (
        <p data-testid="history-empty">{t('history.emptyWithoutTests')}</p>
      ) : narrow ? (
        <ul className="history-cards" aria-labelledby="history-title">
          {rows.map((row) => (
            <li key={row.send.id} className={`history-card${row.send.id === highlightId ? ' history__row--highlighted' : ''}`} {...rowProps(row.send)}>
              <div className="history-card__head">
                <Status send={row.send} format={format} />
                <Times send={row.send} format={format} />
              </div>
              <MessageText text={row.send.text} />
              <dl className="history-card__facts">
                <dt>{t('history.audience')}</dt>
                <dd>
                  <AudienceCell row={row} />
                </dd>
                <dt>{t('history.recipients')}</dt>
                <dd>
                  <Accepted send={row.send} />
                </dd>
                <dt>{t('history.who')}</dt>
                <dd>{row.sender}</dd>
              </dl>
              {actions(row)}
            </li>
          ))}
        </ul>
      ) : (
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
              {rows.map((row) => (
                <tr key={row.send.id} className={row.send.id === highlightId ? 'history__row--highlighted' : undefined} {...rowProps(row.send)}>
                  <td>
                    <Times send={row.send} format={format} />
                  </td>
                  <td>{row.sender}</td>
                  <td className="history__text">
                    <MessageText text={row.send.text} />
                  </td>
                  <td>
                    <AudienceCell row={row} />
                  </td>
                  <td>
                    <Accepted send={row.send} />
                  </td>
                  <td>
                    <Status send={row.send} format={format} />
                  </td>
                  <td>{actions(row)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {history.hasNextPage && (
        <button
          type="button"
          className="button button--secondary history__more"
          disabled={history.isFetchingNextPage}
          aria-busy={history.isFetchingNextPage || undefined}
          // A second click while the page loads asks for nothing more (never the same page twice).
          onClick={() => void history.fetchNextPage({ cancelRefetch: false })}
        >
          {t('history.more')}
        </button>
      )}
      <CancelDialog
        recap={asking}
        onClose={() => setAsking(null)}
        onConfirm={(send) => {
          setAsking(null);
          cancel.mutate(send.id);
        }}
      />
    </section>
  );
}

interface Row {
  send: SendView;
  audience: string;
  sender: string;
}

function Time({ at, format, label, kind }: { at: number; format: ZonedFormat; label: (when: ReactNode) => ReactNode; kind: string }) {
  return (
    <li data-testid="history-time" data-kind={kind}>
      {label(<time dateTime={format.iso(at)}>{format.dateTime(at)}</time>)}
    </li>
  );
}

/** Created, scheduled for, and sent (or failed, or cancelled): each as it is, labelled. */
function Times({ send, format }: { send: SendView; format: ZonedFormat }) {
  const { t } = useI18n();
  // The translations hold {when} where the time goes: split around it so the time stays a <time>.
  const labelled = (key: Parameters<Translate>[0]) => (when: ReactNode) => {
    const [before = '', after = ''] = t(key, { when: '\u0000' }).split('\u0000');
    return (
      <>
        {before}
        {when}
        {after}
      </>
    );
  };
  return (
    <ul className="history__times">
      <Time kind="created" at={send.createdAt} format={format} label={labelled('history.createdAt')} />
      {send.sendAt !== null && <Time kind="scheduled" at={send.sendAt} format={format} label={labelled('history.scheduledFor')} />}
      {send.finishedAt !== null && <Time kind="ended" at={send.finishedAt} format={format} label={labelled(`history.endedAt.${send.status}`)} />}
    </ul>
  );
}

/** The text, a long one shortened with a button that shows it whole (and shortens it again). */
function MessageText({ text }: { text: string }) {
  const { t } = useI18n();
  const id = useId();
  const [whole, setWhole] = useState(false);
  const short = excerpt(text);
  return (
    <div className="history__message">
      <p id={id} className="history__message-text" data-testid="history-text">
        {short === null || whole ? text : short}
      </p>
      {short !== null && (
        <button type="button" className="link-button" aria-expanded={whole} aria-controls={id} onClick={() => setWhole((shown) => !shown)}>
          {whole ? t('history.showLess') : t('history.showWhole')}
        </button>
      )}
    </div>
  );
}

function AudienceCell({ row }: { row: Row }) {
  const { t } = useI18n();
  return (
    <>
      {row.send.testToSelf && (
        <span className="badge badge--test" data-testid="history-test">
          {t('history.test')}
        </span>
      )}{' '}
      <span data-testid="history-audience">{row.audience}</span>
    </>
  );
}

function Accepted({ send }: { send: SendView }) {
  const { t } = useI18n();
  return <>{send.recipientCount === null ? '—' : t('history.accepted', { accepted: send.acceptedCount, count: send.recipientCount })}</>;
}

function Status({ send, format }: { send: SendView; format: ZonedFormat }) {
  const { t } = useI18n();
  return (
    <div className="history__status">
      <span className={`badge badge--${send.status}`} data-testid="history-status">
        {t(`history.status.${send.status}`)}
      </span>
      {send.pausedUntil && (
        <p className="hint" data-testid="history-paused">
          {t('history.pausedUntil', { time: format.time(send.pausedUntil) })}
        </p>
      )}
      {send.error && <p className="field-error">{send.error.message}</p>}
    </div>
  );
}

function Actions({ send, cancelling, preparing, onCancel, onSendAgain }: { send: SendView; cancelling: boolean; preparing: boolean; onCancel: () => void; onSendAgain: () => void }) {
  const { t } = useI18n();
  return (
    <div className="history__actions">
      {cancellable(send) && (
        <button type="button" className="button button--secondary" disabled={cancelling} onClick={onCancel}>
          {t('history.cancel')}
        </button>
      )}
      {!send.testToSelf && !STILL_SENDING.includes(send.status) && (
        <button type="button" className="button button--secondary" disabled={preparing} aria-busy={preparing || undefined} onClick={onSendAgain}>
          {t('history.sendAgain')}
        </button>
      )}
    </div>
  );
}
