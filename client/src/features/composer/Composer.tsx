import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError } from '../../lib/api';
import { useI18n } from '../../lib/i18n';
import { useAudiencePreview } from '../../entities/audience/api';
import { toAudience, type Pick } from '../../entities/audience/selection';
import { FINAL_STATUSES, type SendView } from '../../entities/send/model';
import { useMessageFit, useSend, useSendProgress } from './api';
import { ConfirmDialog } from './ConfirmDialog';
import { IphoneChoice } from './IphoneChoice';
import { MessageFields } from './MessageFields';
import { PhonePreview } from './PhonePreview';

/** Above this many people (or for everybody) a send asks for confirmation first. */
export const CONFIRM_ABOVE = 50;

export interface Draft {
  picks: Pick[];
  text: string;
  avatar: string;
}

/** The recipient chooser the composer shows first (the app passes the recipients feature's picker). */
export type RecipientsSlot = (picker: { picks: readonly Pick[]; onChange: (picks: Pick[]) => void }) => ReactNode;

type Action = 'send' | 'test' | 'schedule';
const newKeys = (): Record<Action, string> => ({ send: crypto.randomUUID(), test: crypto.randomUUID(), schedule: crypto.randomUUID() });

/** `datetime-local` value -> an instant with an explicit offset (the admin's browser time zone). */
export function localToIso(local: string): string | null {
  if (!local) return null;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

function localInputValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/**
 * The composer: recipients, message, phone preview, and Send / Send test to me / Schedule. Each
 * action has one idempotency key per composed message: a double click, or a retry after a network
 * error, never sends twice; any edit makes a new message. A text too long for iPhones (the server's
 * `fit.ios`) is previewed as an iPhone will show it, and goes only once the admin has chosen to send it
 * shortened for everyone (`shortenForIphone`); editing the text or the avatar takes that choice back.
 */
export function Composer({ appName, draft, recipients }: { appName: string; draft: Draft; recipients: RecipientsSlot }) {
  const { t, language } = useI18n();
  const sendAtId = useId();
  const iphoneId = useId();
  const [picks, setPicks] = useState<Pick[]>(draft.picks);
  const [text, setText] = useState(draft.text);
  const [avatar, setAvatar] = useState(draft.avatar);
  const [sendAt, setSendAt] = useState('');
  const [earliest] = useState(() => localInputValue(new Date(Date.now() + 60_000)));
  const [keys, setKeys] = useState(newKeys);
  const [confirming, setConfirming] = useState(false);
  const [lastAction, setLastAction] = useState<Action | null>(null);
  const [shorten, setShorten] = useState(false);
  const send = useSend();
  const audience = toAudience(picks);
  const preview = useAudiencePreview(audience);
  const everybody = picks.some((pick) => pick.kind === 'all');
  const count = preview.data && !preview.isPlaceholderData ? preview.data.count : null;
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

  const edit = <T,>(set: (value: T) => void) => (value: T) => {
    set(value);
    setKeys(newKeys());
    send.reset();
  };

  const fit = useMessageFit(text, avatar);
  const overIphone = fit.latest !== undefined && !fit.latest.ios.fits;
  const shortened = shorten && fit.current && !fit.current.ios.fits ? fit.current.ios.shown : null;
  // Over the iPhone cap and not (yet) chosen to shorten: nothing may go.
  const blocked = overIphone && shortened === null;
  const editMessage = <T,>(set: (value: T) => void) => (value: T) => {
    edit(set)(value);
    setShorten(false);
  };
  // What each phone will show: an iPhone the server's shortened text while the text is over its cap; Android that too once chosen.
  const fullText = text.trim();
  const iphoneShows = fit.current && !fit.current.ios.fits ? fit.current.ios.shown : fullText;
  const androidShows = shortened ?? fullText;

  const message = () => ({ text, ...(avatar.trim() ? { avatar: avatar.trim() } : {}), ...(shortened !== null ? { shortenForIphone: true } : {}) });
  const run = (action: Action) => {
    if (send.isPending || blocked) return;
    setLastAction(action);
    if (action === 'test') send.mutate({ idempotencyKey: keys.test, ...message(), testToSelf: true });
    else if (action === 'send') send.mutate({ idempotencyKey: keys.send, ...message(), audience });
    else send.mutate({ idempotencyKey: keys.schedule, ...message(), audience, sendAt: localToIso(sendAt) ?? sendAt });
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (send.isPending || blocked) return;
    if (audience && (everybody || (count ?? 0) > CONFIRM_ABOVE)) setConfirming(true);
    else run('send');
  };

  const answered = send.data?.send;
  const progress = useSendProgress(answered);
  const outcome: SendView | undefined = progress.data ?? answered;
  const failure = send.error instanceof ApiError ? send.error : send.error ? new ApiError(0, 'NETWORK', t('status.unavailable')) : null;

  return (
    <form className="composer" onSubmit={onSubmit} noValidate aria-describedby="composer-outcome">
      {recipients({ picks, onChange: edit(setPicks) })}
      <div className="composer__message">
        <MessageFields text={text} avatar={avatar} fit={fit} onText={editMessage(setText)} onAvatar={editMessage(setAvatar)}>
          {fit.latest && (
            <IphoneChoice
              id={iphoneId}
              fit={fit.latest}
              length={[...fullText].length}
              ready={fit.current !== undefined}
              shorten={shorten}
              onShorten={(value) => {
                setShorten(value);
                send.reset();
              }}
            />
          )}
        </MessageFields>
        <PhonePreview appName={appName} avatar={avatar} ios={iphoneShows} android={androidShows} />
      </div>

      <div className="card actions">
        <button type="submit" className="button" disabled={send.isPending || blocked} aria-describedby={blocked ? iphoneId : undefined}>
          {t('composer.send')}
        </button>
        <button type="button" className="button button--secondary" disabled={send.isPending || blocked} aria-describedby={blocked ? iphoneId : undefined} onClick={() => run('test')}>
          {t('composer.sendTestToMe')}
        </button>
        <span className="actions__schedule">
          <label htmlFor={sendAtId}>{t('composer.sendAt')}</label>
          <input id={sendAtId} type="datetime-local" value={sendAt} min={earliest} onChange={(event) => edit(setSendAt)(event.target.value)} />
          <span className="hint">{t('composer.timeZone', { zone: timeZone })}</span>
          <button type="button" className="button button--secondary" disabled={send.isPending || !sendAt || blocked} aria-describedby={blocked ? iphoneId : undefined} onClick={() => run('schedule')}>
            {t('composer.schedule')}
          </button>
        </span>
        {blocked && (
          <p className="hint" data-testid="send-blocked">
            {t('composer.iphone.chooseFirst')}
          </p>
        )}
      </div>

      <div id="composer-outcome">
        {send.isPending && <p role="status">{lastAction === 'schedule' ? t('composer.scheduling') : t('composer.sending')}</p>}
        {outcome && <Outcome send={outcome} language={language} />}
        {send.data?.textShortened && (
          <p role="status" data-testid="send-shortened">
            {t('composer.sentShortened')}
          </p>
        )}
        {failure && (
          <p role="alert" data-testid="send-error">
            {failure.message}
          </p>
        )}
      </div>

      <ConfirmDialog
        open={confirming}
        count={count}
        everybody={everybody}
        onCancel={() => setConfirming(false)}
        onConfirm={() => {
          setConfirming(false);
          run('send');
        }}
      />
    </form>
  );
}

function Outcome({ send, language }: { send: SendView; language: string }) {
  const { t } = useI18n();
  if (send.status === 'scheduled' && send.sendAt) {
    const when = new Date(send.sendAt).toLocaleString(language, { dateStyle: 'medium', timeStyle: 'short' });
    return (
      <p role="status" data-testid="send-outcome">
        {t('composer.scheduled', { when })}
      </p>
    );
  }
  if (!FINAL_STATUSES.includes(send.status)) {
    return (
      <p role="status" data-testid="send-outcome">
        {t('composer.inProgress', { done: send.acceptedCount, count: send.recipientCount ?? 0 })}
      </p>
    );
  }
  if (send.error) {
    return (
      <p role="alert" data-testid="send-error">
        {send.acceptedCount > 0 ? t('composer.partly', { accepted: send.acceptedCount, count: send.recipientCount ?? 0 }) + ' ' : ''}
        {send.error.message}
      </p>
    );
  }
  return (
    <p role="status" data-testid="send-outcome">
      {t('composer.accepted', { count: send.acceptedCount })}
    </p>
  );
}
