import { describeBitrixError, type ErrorEntry } from '../bitrix/errorCatalog.js';

/**
 * Failures of a send that are not Bitrix24 error codes. Stored in `sends.error_code` /
 * `send_chunks.error_code` beside Bitrix24's own codes, and described through the same table shape;
 * `describeSendError` looks here first, then in the Bitrix24 error table.
 */

const entry = (apiCode: string, httpStatus: number, retryable: boolean, message: ErrorEntry['message']): ErrorEntry => ({ apiCode, httpStatus, retryable, message });

/** The code of a push that may have reached Bitrix24 but got no answer (a network failure after the request left): recorded uncertain, never repeated. */
export const OUTCOME_UNKNOWN = 'PUSH_OUTCOME_UNKNOWN';
/** Our database could not be reached before a push call (its stored authorization): the push did not go. */
export const DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE';
/** A scheduled send's sender was no longer an administrator when its time came. */
export const SENDER_NOT_ADMIN = 'SENDER_NOT_ADMIN';
/** A scheduled send cancelled because the app was removed from its portal (decision 0015). */
export const APP_UNINSTALLED = 'APP_UNINSTALLED';
/**
 * `POST /api/sends` refusals (400, never stored): the push is over the iPhone payload cap and the request
 * did not ask to shorten it (decision 0010, fact 28); or the app name and the image leave no room for text.
 */
export const TEXT_TOO_LONG_FOR_IPHONE = 'TEXT_TOO_LONG_FOR_IPHONE';
export const AVATAR_TOO_LONG_FOR_IPHONE = 'AVATAR_TOO_LONG_FOR_IPHONE';

export const SEND_ERRORS: Readonly<Record<string, ErrorEntry>> = {
  [OUTCOME_UNKNOWN]: entry('OUTCOME_UNKNOWN', 502, false, {
    en: 'Bitrix24 did not answer whether it accepted this push. It was not sent again, so nobody gets it twice; check with a few recipients before sending again.',
    ru: 'Битрикс24 не ответил, принял ли он это push-уведомление. Повторно оно не отправлялось, чтобы никто не получил его дважды; уточните у нескольких получателей, прежде чем отправлять снова.',
    de: 'Bitrix24 hat nicht beantwortet, ob es diesen Push angenommen hat. Er wurde nicht erneut gesendet, damit niemand ihn doppelt erhält; fragen Sie einige Empfänger, bevor Sie erneut senden.',
  }),
  NO_RECIPIENTS: entry('NO_RECIPIENTS', 422, false, {
    en: 'The chosen recipients include no active employees, so nothing was sent.',
    ru: 'Среди выбранных получателей нет активных сотрудников, поэтому ничего не отправлено.',
    de: 'Unter den gewählten Empfängern ist kein aktiver Mitarbeiter, daher wurde nichts gesendet.',
  }),
  DEPARTMENT_NOT_FOUND: entry('DEPARTMENT_NOT_FOUND', 422, false, {
    en: 'A chosen department no longer exists in Bitrix24. Remove it from the recipients and choose again.',
    ru: 'Одного из выбранных отделов больше нет в Битрикс24. Уберите его из получателей и выберите заново.',
    de: 'Eine gewählte Abteilung gibt es in Bitrix24 nicht mehr. Entfernen Sie sie aus den Empfängern und wählen Sie neu.',
  }),
  GROUP_NOT_FOUND: entry('GROUP_NOT_FOUND', 422, false, {
    en: 'A chosen workgroup no longer exists in Bitrix24, or you cannot see it. Remove it from the recipients and choose again.',
    ru: 'Одной из выбранных рабочих групп больше нет в Битрикс24, или она вам не видна. Уберите её из получателей и выберите заново.',
    de: 'Eine gewählte Arbeitsgruppe gibt es in Bitrix24 nicht mehr, oder Sie können sie nicht sehen. Entfernen Sie sie aus den Empfängern und wählen Sie neu.',
  }),
  [SENDER_NOT_ADMIN]: entry('SENDER_NOT_ADMIN', 403, false, {
    en: 'This scheduled push was not sent: the administrator who scheduled it is no longer a portal administrator. An administrator can send it again from the history.',
    ru: 'Запланированное уведомление не отправлено: администратор, который его запланировал, больше не администратор портала. Администратор может отправить его снова из истории.',
    de: 'Dieser geplante Push wurde nicht gesendet: Der Administrator, der ihn geplant hat, ist kein Portal-Administrator mehr. Ein Administrator kann ihn aus dem Verlauf erneut senden.',
  }),
  [APP_UNINSTALLED]: entry(APP_UNINSTALLED, 410, false, {
    en: 'This scheduled push was cancelled: the app was removed from this portal. After installing it again, an administrator can send it again from the history.',
    ru: 'Запланированное уведомление отменено: приложение удалено с этого портала. После повторной установки администратор может отправить его снова из истории.',
    de: 'Dieser geplante Push wurde abgebrochen: Die App wurde von diesem Portal entfernt. Nach einer erneuten Installation kann ein Administrator ihn aus dem Verlauf erneut senden.',
  }),
  NO_STORED_AUTH: entry('REOPEN_APP', 401, false, {
    en: 'The app has no saved Bitrix24 authorization of yours to send with. Open the app from the left menu once, then send again.',
    ru: 'У приложения нет вашей сохранённой авторизации Битрикс24 для отправки. Один раз откройте приложение из левого меню и отправьте снова.',
    de: 'Die App hat keine gespeicherte Bitrix24-Autorisierung von Ihnen zum Senden. Öffnen Sie die App einmal über das linke Menü und senden Sie erneut.',
  }),
  PORTAL_UNAVAILABLE: entry('UNKNOWN_PORTAL', 410, false, {
    en: 'The app is no longer installed on this portal.',
    ru: 'Приложение больше не установлено на этом портале.',
    de: 'Die App ist auf diesem Portal nicht mehr installiert.',
  }),
  INTERRUPTED: entry('OUTCOME_UNKNOWN', 502, false, {
    en: 'The app was restarted while this push was being handed to Bitrix24; whether Bitrix24 accepted it is unknown. It was not sent again, so nobody gets it twice.',
    ru: 'Приложение перезапустилось, пока это push-уведомление передавалось в Битрикс24; принял ли его Битрикс24, неизвестно. Повторно оно не отправлялось, чтобы никто не получил его дважды.',
    de: 'Die App wurde neu gestartet, während dieser Push an Bitrix24 übergeben wurde; ob Bitrix24 ihn angenommen hat, ist unbekannt. Er wurde nicht erneut gesendet, damit niemand ihn doppelt erhält.',
  }),
  [DATABASE_UNAVAILABLE]: entry('DATABASE_UNAVAILABLE', 503, true, {
    en: 'Our database could not be reached while sending, so the rest of this message was not sent to Bitrix24. Nobody got it twice; those it did not reach can be sent it again.',
    ru: 'Во время отправки наша база данных была недоступна, поэтому остаток сообщения не передан в Битрикс24. Никто не получил его дважды; тем, до кого оно не дошло, его можно отправить снова.',
    de: 'Unsere Datenbank war während des Sendens nicht erreichbar, daher wurde der Rest dieser Nachricht nicht an Bitrix24 übergeben. Niemand hat sie doppelt erhalten; wer sie nicht bekam, kann sie erneut gesendet bekommen.',
  }),
  [TEXT_TOO_LONG_FOR_IPHONE]: entry(TEXT_TOO_LONG_FOR_IPHONE, 400, false, {
    en: 'This text is too long for iPhones: Bitrix24 would cut it, and an iPhone gets nothing at all when the cut falls inside a letter. Shorten the text, or send it shortened for everyone (as the preview shows it). Nothing was sent.',
    ru: 'Этот текст слишком длинный для iPhone: Битрикс24 обрежет его, а если разрез придётся на середину буквы, на iPhone не придёт ничего. Сократите текст или отправьте его сокращённым для всех (как показано в предпросмотре). Ничего не отправлено.',
    de: 'Dieser Text ist für iPhones zu lang: Bitrix24 würde ihn kürzen, und fällt der Schnitt mitten in einen Buchstaben, kommt auf einem iPhone gar nichts an. Kürzen Sie den Text oder senden Sie ihn für alle gekürzt (wie in der Vorschau). Es wurde nichts gesendet.',
  }),
  [AVATAR_TOO_LONG_FOR_IPHONE]: entry(AVATAR_TOO_LONG_FOR_IPHONE, 400, false, {
    en: 'The image URL is so long that no text fits beside it on an iPhone. Use a shorter image URL. Nothing was sent.',
    ru: 'Адрес изображения так длинен, что рядом с ним на iPhone не помещается никакой текст. Укажите более короткий адрес изображения. Ничего не отправлено.',
    de: 'Die Bild-URL ist so lang, dass auf einem iPhone kein Text mehr daneben passt. Verwenden Sie eine kürzere Bild-URL. Es wurde nichts gesendet.',
  }),
  INTERNAL_ERROR: entry('INTERNAL_ERROR', 502, false, {
    en: 'Something went wrong on our side while sending. Nothing more will be sent for this message.',
    ru: 'При отправке на нашей стороне произошла ошибка. Больше ничего по этому сообщению отправлено не будет.',
    de: 'Beim Senden ist auf unserer Seite ein Fehler aufgetreten. Für diese Nachricht wird nichts mehr gesendet.',
  }),
};

export function describeSendError(code: string): ErrorEntry {
  return SEND_ERRORS[code] ?? describeBitrixError(code);
}
