/**
 * The one table of Bitrix24 error codes: what each means for an administrator, which stable code our
 * API answers with, which HTTP status we give the frame, and whether trying again can help.
 * Codes come from the seed pages of pull.application.push.add (method errors and system errors), the
 * OAuth errors (bitrix24/b24restdocs settings/oauth/auto-renewal.md: PAYMENT_REQUIRED;
 * api-reference/oauth/error-codes.md) and the core rest module (authorization_error for a deactivated
 * user, APPLICATION_NOT_FOUND, invalid_token "Unable to get application by token").
 */

export type Language = 'en' | 'ru' | 'de';

export interface ErrorEntry {
  /** Stable code in our API (never Bitrix24's raw text). */
  apiCode: string;
  /** HTTP status our API answers with. */
  httpStatus: number;
  /** Transient: a later attempt may succeed without anyone changing anything. */
  retryable: boolean;
  message: Record<Language, string>;
}

const entry = (apiCode: string, httpStatus: number, retryable: boolean, message: Record<Language, string>): ErrorEntry => ({
  apiCode,
  httpStatus,
  retryable,
  message,
});

export const BITRIX_ERRORS: Readonly<Record<string, ErrorEntry>> = {
  // pull.application.push.add
  WRONG_AUTH_TYPE: entry('WRONG_AUTH_TYPE', 502, false, {
    en: 'Bitrix24 accepts pushes only with the app’s own authorization. Reopen the app from the left menu.',
    ru: 'Битрикс24 принимает push-уведомления только с авторизацией самого приложения. Откройте приложение из левого меню заново.',
    de: 'Bitrix24 akzeptiert Pushs nur mit der Autorisierung der App selbst. Öffnen Sie die App erneut über das linke Menü.',
  }),
  ACCESS_ERROR: entry('NOT_ADMIN', 403, false, {
    en: 'Only portal administrators can send push notifications.',
    ru: 'Отправлять push-уведомления могут только администраторы портала.',
    de: 'Nur Portal-Administratoren können Push-Benachrichtigungen senden.',
  }),
  TEXT_ERROR: entry('TEXT_EMPTY', 400, false, {
    en: 'The message is empty. Write the text of the notification.',
    ru: 'Сообщение пустое. Напишите текст уведомления.',
    de: 'Die Nachricht ist leer. Schreiben Sie den Text der Benachrichtigung.',
  }),
  EMPTY_APP_NAME: entry('APP_NAME_EMPTY', 502, false, {
    en: 'Bitrix24 has no name for this app, and the name is the title of every push. Ask the app’s vendor to fill in the name in the app card.',
    ru: 'У приложения в Битрикс24 нет названия, а оно служит заголовком каждого push-уведомления. Попросите разработчика приложения заполнить название в карточке приложения.',
    de: 'Bitrix24 kennt keinen Namen für diese App, und der Name ist der Titel jedes Pushs. Bitten Sie den Anbieter der App, den Namen in der App-Karte einzutragen.',
  }),
  // System errors any method may return
  INTERNAL_SERVER_ERROR: entry('PORTAL_ERROR', 502, true, {
    en: 'Bitrix24 had an internal error. Try again in a few minutes.',
    ru: 'Во время обработки в Битрикс24 произошла внутренняя ошибка. Повторите попытку через несколько минут.',
    de: 'In Bitrix24 ist ein interner Fehler aufgetreten. Versuchen Sie es in einigen Minuten erneut.',
  }),
  ERROR_UNEXPECTED_ANSWER: entry('PORTAL_ERROR', 502, true, {
    en: 'Bitrix24 gave an unexpected answer. Try again in a few minutes.',
    ru: 'Битрикс24 вернул неожиданный ответ. Повторите попытку через несколько минут.',
    de: 'Bitrix24 hat unerwartet geantwortet. Versuchen Sie es in einigen Minuten erneut.',
  }),
  QUERY_LIMIT_EXCEEDED: entry('RATE_LIMITED', 503, true, {
    en: 'Bitrix24 is receiving too many requests from this portal right now. The app slows down and retries; if this persists, try again later.',
    ru: 'Сейчас Битрикс24 получает слишком много запросов с этого портала. Приложение замедляется и повторяет попытки; если это не проходит, повторите позже.',
    de: 'Bitrix24 erhält gerade zu viele Anfragen von diesem Portal. Die App drosselt und versucht es erneut; falls es anhält, versuchen Sie es später noch einmal.',
  }),
  OPERATION_TIME_LIMIT: entry('RATE_LIMITED', 503, true, {
    en: 'Bitrix24 has paused this kind of request on your portal for a few minutes (its time budget for the last 10 minutes is used up). Try again later; sends already made pause and go on by themselves.',
    ru: 'Битрикс24 на несколько минут приостановил такие запросы на вашем портале (исчерпан лимит времени за последние 10 минут). Повторите позже; уже созданные отправки приостановятся и продолжатся сами.',
    de: 'Bitrix24 hat diese Art von Anfragen auf Ihrem Portal für einige Minuten angehalten (das Zeitbudget der letzten 10 Minuten ist aufgebraucht). Versuchen Sie es später erneut; bereits erstellte Sendungen pausieren und laufen von selbst weiter.',
  }),
  OVERLOAD_LIMIT: entry('PORTAL_BLOCKED', 503, false, {
    en: 'Bitrix24 has blocked REST access for this portal because of overload. Contact Bitrix24 support to lift the block.',
    ru: 'Битрикс24 заблокировал REST API портала из-за перегрузки. Обратитесь в техподдержку Битрикс24, чтобы снять блокировку.',
    de: 'Bitrix24 hat den REST-Zugang dieses Portals wegen Überlastung gesperrt. Wenden Sie sich an den Bitrix24-Support, um die Sperre aufzuheben.',
  }),
  ERROR_BATCH_METHOD_NOT_ALLOWED: entry('PORTAL_ERROR', 502, false, {
    en: 'Bitrix24 refused a combined request from the app. Please report this to the app’s vendor.',
    ru: 'Битрикс24 отклонил пакетный запрос приложения. Сообщите об этом разработчику приложения.',
    de: 'Bitrix24 hat eine gebündelte Anfrage der App abgelehnt. Bitte melden Sie das dem Anbieter der App.',
  }),
  ERROR_BATCH_LENGTH_EXCEEDED: entry('PORTAL_ERROR', 502, false, {
    en: 'Bitrix24 refused a combined request from the app as too long. Please report this to the app’s vendor.',
    ru: 'Битрикс24 отклонил слишком длинный пакетный запрос приложения. Сообщите об этом разработчику приложения.',
    de: 'Bitrix24 hat eine zu lange gebündelte Anfrage der App abgelehnt. Bitte melden Sie das dem Anbieter der App.',
  }),
  NO_AUTH_FOUND: entry('REOPEN_APP', 401, false, {
    en: 'Bitrix24 did not recognise the app’s authorization. Reopen the app from the left menu.',
    ru: 'Битрикс24 не принял авторизацию приложения. Откройте приложение из левого меню заново.',
    de: 'Bitrix24 hat die Autorisierung der App nicht erkannt. Öffnen Sie die App erneut über das linke Menü.',
  }),
  invalid_token: entry('REOPEN_APP', 401, false, {
    en: 'The app’s Bitrix24 authorization is no longer valid. Reopen the app from the left menu.',
    ru: 'Авторизация приложения в Битрикс24 больше недействительна. Откройте приложение из левого меню заново.',
    de: 'Die Bitrix24-Autorisierung der App ist nicht mehr gültig. Öffnen Sie die App erneut über das linke Menü.',
  }),
  expired_token: entry('REOPEN_APP', 401, true, {
    en: 'The app’s Bitrix24 session expired and could not be renewed. Reopen the app from the left menu.',
    ru: 'Сессия приложения в Битрикс24 истекла и не была продлена. Откройте приложение из левого меню заново.',
    de: 'Die Bitrix24-Sitzung der App ist abgelaufen und konnte nicht erneuert werden. Öffnen Sie die App erneut über das linke Menü.',
  }),
  INVALID_REQUEST: entry('PORTAL_ERROR', 502, false, {
    en: 'Bitrix24 requires HTTPS for this request. Please report this to the app’s vendor.',
    ru: 'Битрикс24 требует HTTPS для этого запроса. Сообщите об этом разработчику приложения.',
    de: 'Bitrix24 verlangt für diese Anfrage HTTPS. Bitte melden Sie das dem Anbieter der App.',
  }),
  ACCESS_DENIED: entry('PLAN_REQUIRED', 403, false, {
    en: 'Bitrix24 allows apps to use REST only on commercial plans. Upgrade the portal’s plan to send pushes.',
    ru: 'Битрикс24 открывает REST API приложениям только на коммерческих тарифах. Смените тариф портала, чтобы отправлять push-уведомления.',
    de: 'Bitrix24 erlaubt Apps REST nur in kostenpflichtigen Tarifen. Wechseln Sie den Tarif des Portals, um Pushs zu senden.',
  }),
  INVALID_CREDENTIALS: entry('NOT_ALLOWED', 403, false, {
    en: 'Your Bitrix24 account lacks the permissions this action needs.',
    ru: 'У вашей учётной записи Битрикс24 нет прав на это действие.',
    de: 'Ihrem Bitrix24-Konto fehlen die Rechte für diese Aktion.',
  }),
  ERROR_MANIFEST_IS_NOT_AVAILABLE: entry('PORTAL_ERROR', 502, false, {
    en: 'Bitrix24 reported that a manifest is not available. Please report this to the app’s vendor.',
    ru: 'Битрикс24 сообщил, что манифест недоступен. Сообщите об этом разработчику приложения.',
    de: 'Bitrix24 meldet, dass ein Manifest nicht verfügbar ist. Bitte melden Sie das dem Anbieter der App.',
  }),
  insufficient_scope: entry('SCOPE_MISSING', 403, false, {
    en: 'The app lacks a Bitrix24 permission it needs. Reinstall the app from the Market so the portal grants its current permissions.',
    ru: 'У приложения нет нужного разрешения Битрикс24. Переустановите приложение из Маркета, чтобы портал выдал ему актуальные разрешения.',
    de: 'Der App fehlt eine nötige Bitrix24-Berechtigung. Installieren Sie die App erneut aus dem Market, damit das Portal ihre aktuellen Berechtigungen gewährt.',
  }),
  user_access_error: entry('APP_ACCESS_RESTRICTED', 403, false, {
    en: 'A portal administrator has restricted this app to certain users, and you are not one of them. Ask an administrator to give you access in the app’s settings.',
    ru: 'Администратор портала ограничил доступ к приложению определёнными пользователями, и вас среди них нет. Попросите администратора открыть вам доступ в настройках приложения.',
    de: 'Ein Portal-Administrator hat diese App auf bestimmte Benutzer beschränkt, zu denen Sie nicht gehören. Bitten Sie einen Administrator, Ihnen in den App-Einstellungen Zugang zu geben.',
  }),
  // The user the app acts for was deactivated (fired): the core answers `authorization_error`, "Unable to authorize user".
  authorization_error: entry('USER_DEACTIVATED', 403, false, {
    en: 'Bitrix24 refused the user the app acts for: the account is deactivated. Another administrator needs to open the app from the left menu once, so it sends with their authorization.',
    ru: 'Битрикс24 отклонил пользователя, от имени которого работает приложение: его учётная запись деактивирована. Другому администратору нужно один раз открыть приложение из левого меню, чтобы оно отправляло с его авторизацией.',
    de: 'Bitrix24 hat den Benutzer abgelehnt, für den die App handelt: das Konto ist deaktiviert. Ein anderer Administrator muss die App einmal über das linke Menü öffnen, damit sie mit seiner Autorisierung sendet.',
  }),
  // The app is not (or no longer) installed on the portal.
  APPLICATION_NOT_FOUND: entry('APP_NOT_INSTALLED', 410, false, {
    en: 'Bitrix24 does not know this app on the portal any more: it was uninstalled. An administrator can install it again from the Bitrix24 Market.',
    ru: 'Битрикс24 больше не знает это приложение на портале: оно удалено. Администратор может снова установить его из Маркета Битрикс24.',
    de: 'Bitrix24 kennt diese App auf dem Portal nicht mehr: sie wurde deinstalliert. Ein Administrator kann sie erneut aus dem Bitrix24 Market installieren.',
  }),
  // Our own code: the portal's old address answered with a redirect (it was renamed).
  PORTAL_MOVED: entry('PORTAL_MOVED', 502, true, {
    en: 'Your portal has moved to a new address. Reopen the app from the left menu; the app then uses the new address.',
    ru: 'Портал переехал на новый адрес. Откройте приложение из левого меню заново, и приложение начнёт использовать новый адрес.',
    de: 'Ihr Portal ist unter eine neue Adresse umgezogen. Öffnen Sie die App erneut über das linke Menü; die App verwendet dann die neue Adresse.',
  }),
  // Our own code: the portal sent an answer (or listed more rows) far beyond any real one; it was not read (issue 18).
  ANSWER_TOO_LARGE: entry('PORTAL_ANSWER_TOO_LARGE', 502, false, {
    en: 'Bitrix24 sent an answer far larger than any real one, so the app stopped reading it. Try again later; if it keeps happening, report it to the app’s vendor.',
    ru: 'Битрикс24 прислал ответ намного больше любого настоящего, поэтому приложение прекратило его читать. Повторите попытку позже; если это повторяется, сообщите разработчику приложения.',
    de: 'Bitrix24 hat eine Antwort gesendet, die weit größer ist als jede echte, daher hat die App aufgehört, sie zu lesen. Versuchen Sie es später erneut; wenn es wieder passiert, melden Sie es dem Anbieter der App.',
  }),
  PORTAL_DELETED: entry('PORTAL_CLOSED', 410, false, {
    en: 'The portal is deleted or its public part is closed, so Bitrix24 cannot be reached.',
    ru: 'Портал удалён или его публичная часть закрыта, поэтому Битрикс24 недоступен.',
    de: 'Das Portal ist gelöscht oder sein öffentlicher Teil geschlossen; Bitrix24 ist nicht erreichbar.',
  }),
  // OAuth server
  invalid_grant: entry('REOPEN_APP', 401, false, {
    en: 'The app’s saved Bitrix24 authorization has run out. An administrator needs to open the app from the left menu once to renew it.',
    ru: 'Сохранённая авторизация приложения в Битрикс24 истекла. Администратору нужно один раз открыть приложение из левого меню, чтобы обновить её.',
    de: 'Die gespeicherte Bitrix24-Autorisierung der App ist abgelaufen. Ein Administrator muss die App einmal über das linke Menü öffnen, um sie zu erneuern.',
  }),
  // settings/oauth/auto-renewal.md: the trial or the paid period of the app has ended.
  PAYMENT_REQUIRED: entry('SUBSCRIPTION_ENDED', 402, false, {
    en: 'The app’s trial or paid period on this portal has ended, so Bitrix24 no longer lets it act. An administrator can renew the subscription in the Bitrix24 Market.',
    ru: 'Пробный или оплаченный период приложения на этом портале закончился, и Битрикс24 больше не разрешает ему работать. Администратор может продлить подписку в Маркете Битрикс24.',
    de: 'Der Test- oder bezahlte Zeitraum der App auf diesem Portal ist abgelaufen, daher lässt Bitrix24 sie nicht mehr arbeiten. Ein Administrator kann das Abonnement im Bitrix24 Market verlängern.',
  }),
  invalid_client: entry('APP_MISCONFIGURED', 502, false, {
    en: 'The app’s registration with Bitrix24 is not valid (client id or secret). Please report this to the app’s vendor.',
    ru: 'Регистрация приложения в Битрикс24 недействительна (client id или secret). Сообщите об этом разработчику приложения.',
    de: 'Die Registrierung der App bei Bitrix24 ist ungültig (Client-ID oder Secret). Bitte melden Sie das dem Anbieter der App.',
  }),
};

/** Transport problems and codes we have never seen: honest, and never a raw Bitrix24 text. */
export const UNKNOWN_ERROR: ErrorEntry = entry('PORTAL_ERROR', 502, true, {
  en: 'Bitrix24 could not complete the request. Try again in a few minutes.',
  ru: 'Битрикс24 не смог выполнить запрос. Повторите попытку через несколько минут.',
  de: 'Bitrix24 konnte die Anfrage nicht ausführen. Versuchen Sie es in einigen Minuten erneut.',
});

export const NETWORK_ERROR: ErrorEntry = entry('PORTAL_UNREACHABLE', 502, true, {
  en: 'Bitrix24 could not be reached. Try again in a few minutes.',
  ru: 'Не удалось связаться с Битрикс24. Повторите попытку через несколько минут.',
  de: 'Bitrix24 war nicht erreichbar. Versuchen Sie es in einigen Minuten erneut.',
});

export function describeBitrixError(code: string): ErrorEntry {
  if (code === 'NETWORK_ERROR') return NETWORK_ERROR;
  return BITRIX_ERRORS[code] ?? UNKNOWN_ERROR;
}
