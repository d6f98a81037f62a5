import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode } from 'react';
import { ApiError } from '../../lib/api';
import { errorText, useI18n } from '../../lib/i18n';
import { useAudiencePreview } from '../../entities/audience/api';
import { toAudience, type Pick } from '../../entities/audience/selection';
import { FINAL_STATUSES, type SendView } from '../../entities/send/model';
import { useMessageFit, useSend, useSendProgress } from './api';
import { ConfirmDialog, type Recap } from './ConfirmDialog';
import { IphoneChoice } from './IphoneChoice';
import { MessageFields } from './MessageFields';
import { PhonePreview } from './PhonePreview';
import { avatarCheck, sendAtCheck, textCheck } from './preChecks';
import { audienceInWords, mustConfirm, sendProblem } from './sendGate';
import { useImageCheck } from './useImageCheck';

export interface Draft {
  picks: Pick[];
  text: string;
  avatar: string;
}

/** The recipient chooser the composer shows first (the app passes the recipients feature's picker). */
export type RecipientsSlot = (picker: { picks: readonly Pick[]; onChange: (picks: Pick[]) => void }) => ReactNode;

type Action = 'send' | 'test' | 'schedule';
const newKeys = (): Record<Action, string> => ({ send: crypto.randomUUID(), test: crypto.randomUUID(), schedule: crypto.randomUUID() });

/** How often a chosen send time is checked again (it may pass while the admin writes). */
const SEND_AT_RECHECK_MS = 5_000;

/** Fields whose refusals the composer shows at the field itself; any other refusal is shown under the buttons. */
const FIELDS_SHOWN_INLINE = new Set(['text', 'avatar', 'sendAt', 'audience']);

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
 *
 * Safety nets (issue 20): Send stays disabled until there are recipients the server accepts and a
 * message; a send is confirmed, with a recap, whenever its count is not yet known for the audience as it
 * is now, is above CONFIRM_ABOVE, goes to everybody or is scheduled (./sendGate.ts). Once a send (or a
 * schedule) is accepted the composer starts a new message, keeping the recipients only if the admin
 * ticked so; an answer that replays an earlier send (`Idempotent-Replayed`) says so, with a way to it in
 * History. Enter in a field never sends.
 *
 * Errors in the admin's language (issue 20): a refusal is shown in the frame's own words for its code,
 * at the field it names (the message, the avatar, the send time, the recipients); what the composer can
 * check itself (an empty or too long message, a send time not between a minute and a year ahead, an
 * avatar that is no https:// address) it checks before sending, in the same words (./preChecks.ts).
 */
export function Composer({ appName, draft, recipients, onShowSend }: { appName: string; draft: Draft; recipients: RecipientsSlot; onShowSend: (sendId: string) => void }) {
  const { t, language } = useI18n();
  const sendAtId = useId();
  const iphoneId = useId();
  const notReadyId = useId();
  const sendAtErrorId = useId();
  const [picks, setPicks] = useState<Pick[]>(draft.picks);
  const [text, setText] = useState(draft.text);
  const [avatar, setAvatar] = useState(draft.avatar);
  const [sendAt, setSendAt] = useState('');
  const [earliest] = useState(() => localInputValue(new Date(Date.now() + 60_000)));
  const [keys, setKeys] = useState(newKeys);
  const [confirming, setConfirming] = useState<'send' | 'schedule' | null>(null);
  const [lastAction, setLastAction] = useState<Action | null>(null);
  const [shorten, setShorten] = useState(false);
  const [keepPicks, setKeepPicks] = useState(false);
  // An action was pressed while the message was not ready: its own checks show at the fields.
  const [attempted, setAttempted] = useState(false);
  // The moment the send time is checked against: when it was entered, then every few seconds while it is set.
  const [checkedAt, setCheckedAt] = useState(() => Date.now());
  useEffect(() => {
    if (!sendAt) return;
    const timer = setInterval(() => setCheckedAt(Date.now()), SEND_AT_RECHECK_MS);
    return () => clearInterval(timer);
  }, [sendAt]);
  const send = useSend();
  const audience = toAudience(picks);
  const preview = useAudiencePreview(audience);
  const everybody = picks.some((pick) => pick.kind === 'all');
  // Only an answer for the audience as it is now counts: never the previous audience's, still on screen.
  const count = audience && preview.data && !preview.isPlaceholderData ? preview.data.count : null;
  const countError = audience && preview.isError ? preview.error : null;
  const audienceRefused = countError instanceof ApiError && (countError.status === 400 || countError.status === 422);
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const avatarInvalid = avatarCheck(avatar) !== null;
  const image = useImageCheck(avatar.trim() && !avatarInvalid ? avatar.trim() : null);

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

  const problem = sendProblem({ picked: audience !== null, audienceRefused, text, avatarInvalid });
  const cannotSend = send.isPending || blocked || problem !== null;

  /** After an accepted send or schedule: a new message (new keys), the recipients kept only if asked. */
  const startNewMessage = () => {
    setText('');
    setAvatar('');
    setSendAt('');
    setShorten(false);
    setKeys(newKeys());
    setAttempted(false);
    if (!keepPicks) setPicks([]);
  };

  const message = () => ({ text, ...(avatar.trim() ? { avatar: avatar.trim() } : {}), ...(shortened !== null ? { shortenForIphone: true } : {}) });
  // A double click's second click comes before React has re-rendered with `isPending`: this remembers the press itself.
  const pressed = useRef(false);
  const run = (action: Action) => {
    if (pressed.current || send.isPending || blocked) return;
    // Checked here, before anything goes: the texts appear at their fields.
    if (textCheck(text) !== null || avatarCheck(avatar) !== null || (action === 'schedule' && sendAtCheck(localToIso(sendAt), checkedAt) !== null)) {
      setAttempted(true);
      return;
    }
    if (action !== 'test' && problem !== null) return;
    pressed.current = true;
    setLastAction(action);
    // A test accepted: the next press sends another test. A send accepted: a new message.
    const onSuccess = () => (action === 'test' ? setKeys((current) => ({ ...current, test: crypto.randomUUID() })) : startNewMessage());
    const onSettled = () => {
      pressed.current = false;
    };
    if (action === 'test') send.mutate({ idempotencyKey: keys.test, ...message(), testToSelf: true }, { onSuccess, onSettled });
    else if (action === 'send') send.mutate({ idempotencyKey: keys.send, ...message(), audience }, { onSuccess, onSettled });
    else send.mutate({ idempotencyKey: keys.schedule, ...message(), audience, sendAt: localToIso(sendAt) ?? sendAt }, { onSuccess, onSettled });
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (cannotSend) return;
    if (mustConfirm({ scheduled: false, everybody, count, avatarInDoubt: image.state === 'waiting' || image.state === 'failed' })) setConfirming('send');
    else run('send');
  };

  // Enter in a field (the avatar URL, the search, the date) would submit the form, i.e. send.
  const onKeyDown = (event: KeyboardEvent<HTMLFormElement>) => {
    if (event.key === 'Enter' && event.target instanceof HTMLInputElement) event.preventDefault();
  };

  const answered = send.data?.answer.send;
  const progress = useSendProgress(answered);
  const outcome: SendView | undefined = progress.data ?? answered;
  const failure = send.error instanceof ApiError ? send.error : send.error ? new ApiError(0, 'NETWORK', t('status.unavailable')) : null;
  const refusedField = failure?.field?.split('.')[0];
  /** What to show at `field`: the server's refusal naming it, else the composer's own check (`own`, a code), in the same words. */
  const fieldError = (field: string, own: string | null): string | null =>
    failure && refusedField === field ? failure.message : own ? errorText(t, own, field) : null;
  const textIssue = textCheck(text);
  const textError = fieldError('text', textIssue === 'TEXT_TOO_LONG' || attempted ? textIssue : null);
  const avatarError = fieldError('avatar', avatarCheck(avatar));
  const sendAtError = fieldError('sendAt', sendAt ? sendAtCheck(localToIso(sendAt), checkedAt) : null);
  const audienceError = fieldError('audience', null);
  const generalFailure = failure && !(refusedField && FIELDS_SHOWN_INLINE.has(refusedField)) ? failure : null;

  const scheduledAt = localToIso(sendAt);
  const recap: Recap = {
    action: confirming ?? 'send',
    audience: audienceInWords(picks, t),
    everybody,
    count,
    countError: countError && !audienceRefused ? countError.message : null,
    text: androidShows,
    image: image.state,
    when:
      confirming === 'schedule' && scheduledAt
        ? t('confirm.at', { when: new Date(scheduledAt).toLocaleString(language, { dateStyle: 'full', timeStyle: 'short' }), zone: timeZone })
        : null,
  };

  return (
    <form className="composer" onSubmit={onSubmit} onKeyDown={onKeyDown} noValidate aria-describedby="composer-outcome">
      {recipients({ picks, onChange: edit(setPicks) })}
      {audienceError && (
        <p className="field-error" role="alert" data-testid="field-error-audience">
          {audienceError}
        </p>
      )}
      <div className="composer__message">
        <MessageFields
          text={text}
          avatar={avatar}
          image={image}
          fit={fit}
          textError={textError}
          avatarError={avatarError}
          onText={editMessage(setText)}
          onAvatar={editMessage(setAvatar)}
        >
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
        <PhonePreview appName={appName} image={image.src} ios={iphoneShows} android={androidShows} />
      </div>

      <div className="card actions">
        <button type="submit" className="button" disabled={cannotSend} aria-describedby={blocked ? iphoneId : problem ? notReadyId : undefined}>
          {t('composer.send')}
        </button>
        <button type="button" className="button button--secondary" disabled={send.isPending || blocked} aria-describedby={blocked ? iphoneId : undefined} onClick={() => run('test')}>
          {t('composer.sendTestToMe')}
        </button>
        <span className="actions__schedule">
          <label htmlFor={sendAtId}>{t('composer.sendAt')}</label>
          <input
            id={sendAtId}
            type="datetime-local"
            value={sendAt}
            min={earliest}
            aria-invalid={sendAtError ? true : undefined}
            aria-describedby={sendAtError ? sendAtErrorId : undefined}
            onChange={(event) => {
              setCheckedAt(Date.now());
              edit(setSendAt)(event.target.value);
            }}
          />
          <span className="hint">{t('composer.timeZone', { zone: timeZone })}</span>
          <button
            type="button"
            className="button button--secondary"
            disabled={cannotSend || !sendAt || sendAtError !== null}
            aria-describedby={blocked ? iphoneId : sendAtError ? sendAtErrorId : problem ? notReadyId : undefined}
            onClick={() => {
              if (!cannotSend && sendAt && sendAtError === null) setConfirming('schedule');
            }}
          >
            {t('composer.schedule')}
          </button>
          {sendAtError && (
            <span id={sendAtErrorId} className="field-error" role="alert" data-testid="field-error-sendAt">
              {sendAtError}
            </span>
          )}
        </span>
        <label className="checkbox actions__keep">
          <input type="checkbox" checked={keepPicks} disabled={send.isPending} onChange={(event) => setKeepPicks(event.target.checked)} data-testid="keep-recipients" />
          {t('composer.keepRecipients')}
        </label>
        {blocked ? (
          <p className="hint" data-testid="send-blocked">
            {t('composer.iphone.chooseFirst')}
          </p>
        ) : (
          problem && (
            <p id={notReadyId} className="hint" data-testid="send-not-ready" data-problem={problem}>
              {t(`composer.missing.${problem}`)}
            </p>
          )
        )}
      </div>

      <div id="composer-outcome">
        {send.isPending && <p role="status">{lastAction === 'schedule' ? t('composer.scheduling') : t('composer.sending')}</p>}
        {outcome && (send.data?.replayed ? <Replayed send={outcome} language={language} onShow={() => onShowSend(outcome.id)} /> : <Outcome send={outcome} language={language} />)}
        {send.data?.answer.textShortened && (
          <p role="status" data-testid="send-shortened">
            {t('composer.sentShortened')}
          </p>
        )}
        {generalFailure && (
          <p role="alert" data-testid="send-error" data-code={generalFailure.code}>
            {generalFailure.message}
          </p>
        )}
      </div>

      <ConfirmDialog
        open={confirming !== null}
        recap={recap}
        onCancel={() => setConfirming(null)}
        onConfirm={() => {
          const action = confirming;
          setConfirming(null);
          if (action) run(action);
        }}
      />
    </form>
  );
}

/** An answer that replays an earlier send: nothing new went; say when the earlier one went, and lead to it. */
function Replayed({ send, language, onShow }: { send: SendView; language: string; onShow: () => void }) {
  const { t } = useI18n();
  const when = new Date(send.createdAt).toLocaleString(language, { dateStyle: 'medium', timeStyle: 'short' });
  return (
    <p role="status" data-testid="send-replayed">
      {t('composer.replayed', { when })}{' '}
      <button type="button" className="link-button" onClick={onShow}>
        {t('composer.showInHistory')}
      </button>
    </p>
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
  if (!FINAL_STATUSES.includes(send.status) && send.pausedUntil !== null) {
    // As History says it: Bitrix24 paused the push method, the send goes on by itself.
    const time = new Date(send.pausedUntil).toLocaleTimeString(language, { timeStyle: 'short' });
    return (
      <p role="status" data-testid="send-outcome" data-paused="true">
        {t('history.pausedUntil', { time })}
        {send.acceptedCount > 0 ? ` ${t('composer.partly', { accepted: send.acceptedCount, count: send.recipientCount ?? 0 })}` : ''}
      </p>
    );
  }
  if (!FINAL_STATUSES.includes(send.status)) {
    return (
      <p role="status" data-testid="send-outcome">
        {send.recipientCount === null ? t('composer.sending') : t('composer.inProgress', { done: send.acceptedCount, count: send.recipientCount })}
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
