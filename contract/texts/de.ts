import type { CauseTexts, ErrorTexts, FieldTexts, RefusalPageTexts } from './en.js';

/** Deutsch: dieselben Schlüssel wie ./en.ts (dort steht, was wofür verwendet wird). */

export const errors = {
  AUTH_REQUIRED: 'Öffnen Sie diese App aus Bitrix24: Die Anfrage enthält keine Bitrix24-Autorisierung.',
  UNKNOWN_PORTAL: 'Die App ist auf diesem Portal nicht installiert. Ein Administrator kann sie aus dem Bitrix24 Market installieren.',
  BAD_TOKEN: 'Bitrix24 hat diese Autorisierung für dieses Portal nicht erkannt. Öffnen Sie die App erneut über das linke Menü.',
  TOKEN_EXPIRED: 'Die Bitrix24-Sitzung ist abgelaufen; die App erneuert sie und versucht es noch einmal.',
  TOO_MANY_REQUESTS: 'Zu viele Anfragen in kurzer Zeit. Warten Sie einige Sekunden und versuchen Sie es erneut.',
  NOT_ADMIN: 'Nur Portal-Administratoren können Push-Benachrichtigungen senden.',
  METHOD_NOT_ALLOWED: 'Diese Adresse der App nimmt diese Art von Anfrage nicht an.',
  NOT_FOUND: 'Die App hat keine solche Adresse.',
  BAD_REQUEST: 'Die Anfrage konnte nicht gelesen werden: Sie ist fehlerhaft oder zu groß.',
  INTERNAL_ERROR: 'Auf unserer Seite ist ein Fehler aufgetreten. Versuchen Sie es erneut; wenn es wieder passiert, melden Sie es dem Anbieter der App.',
  DATABASE_UNAVAILABLE: 'Die App erreicht ihre Datenbank gerade nicht. Versuchen Sie es in einigen Sekunden erneut.',
  VALIDATION_FAILED: '{field}: Der Wert ist ungültig.',
  UNKNOWN_FIELD: 'Die App kennt das Feld „{path}“ nicht.',
  TEXT_EMPTY: 'Die Nachricht ist leer. Schreiben Sie den Text der Benachrichtigung.',
  TEXT_TOO_LONG: 'Die Nachricht ist länger als 1.000 Zeichen. Kürzen Sie sie.',
  TEXT_INVALID: 'Die Nachricht enthält ein Zeichen, das sich nicht speichern oder senden lässt (ein NUL-Zeichen oder ein halbes Emoji). Entfernen Sie es.',
  AVATAR_INVALID: 'Der Avatar muss eine https://-Adresse sein, die Telefone laden können, mit höchstens 512 Zeichen.',
  IDEMPOTENCY_KEY_INVALID: 'Der Idempotenzschlüssel muss eine UUID sein.',
  AUDIENCE_INVALID: 'Die Empfänger sind ungültig. Wählen Sie sie neu.',
  SEND_AT_INVALID: 'Der Sendezeitpunkt muss mindestens eine Minute und höchstens ein Jahr in der Zukunft liegen.',
  SEARCH_INVALID: 'Geben Sie für die Suche einen Namen, eine Position oder eine Abteilung ein, mit höchstens 100 Zeichen.',
  TEXT_TOO_LONG_FOR_IPHONE:
    'Dieser Text ist für iPhones zu lang: Bitrix24 würde ihn kürzen, und fällt der Schnitt mitten in einen Buchstaben, kommt auf einem iPhone gar nichts an. Kürzen Sie den Text oder senden Sie ihn für alle gekürzt (wie in der Vorschau). Es wurde nichts gesendet.',
  AVATAR_TOO_LONG_FOR_IPHONE: 'Die Bild-URL ist so lang, dass auf einem iPhone kein Text mehr daneben passt. Verwenden Sie eine kürzere Bild-URL. Es wurde nichts gesendet.',
  APP_MISCONFIGURED: 'Die App ist nicht richtig mit Bitrix24 verbunden (ihre Client-ID oder ihr Secret). Bitte melden Sie das dem Anbieter der App.',
  IDEMPOTENCY_KEY_REUSED: 'Dieser Idempotenzschlüssel wurde bereits für eine andere Nachricht verwendet. Verwenden Sie für eine neue Nachricht einen neuen Schlüssel.',
  SEND_NOT_FOUND: 'Auf diesem Portal gibt es keine solche Sendung.',
  NOT_CANCELLABLE: 'Diese Sendung lässt sich nicht mehr abbrechen: Sie hat begonnen, ist beendet oder wurde bereits abgebrochen.',
  WRONG_AUTH_TYPE: 'Bitrix24 akzeptiert Pushs nur mit der Autorisierung der App selbst. Öffnen Sie die App erneut über das linke Menü.',
  APP_NAME_EMPTY:
    'Bitrix24 kennt keinen Namen für diese App, und der Name ist der Titel jedes Pushs. Bitten Sie den Anbieter der App, den Namen in der App-Karte einzutragen.',
  PORTAL_ERROR: 'Bitrix24 konnte die Anfrage nicht ausführen. Versuchen Sie es in einigen Minuten erneut.',
  RATE_LIMITED:
    'Bitrix24 erhält gerade zu viele Anfragen von diesem Portal. Die App drosselt und versucht es erneut; falls es anhält, versuchen Sie es später noch einmal.',
  PORTAL_BLOCKED: 'Bitrix24 hat den REST-Zugang dieses Portals wegen Überlastung gesperrt. Wenden Sie sich an den Bitrix24-Support, um die Sperre aufzuheben.',
  REOPEN_APP: 'Die Bitrix24-Autorisierung der App ist nicht mehr gültig. Öffnen Sie die App erneut über das linke Menü.',
  PLAN_REQUIRED: 'Bitrix24 erlaubt Apps REST nur in kostenpflichtigen Tarifen. Wechseln Sie den Tarif des Portals, um Pushs zu senden.',
  NOT_ALLOWED: 'Ihrem Bitrix24-Konto fehlen die Rechte für diese Aktion.',
  SCOPE_MISSING:
    'Der App fehlt eine nötige Bitrix24-Berechtigung. Installieren Sie die App erneut aus dem Market, damit das Portal ihre aktuellen Berechtigungen gewährt.',
  APP_ACCESS_RESTRICTED:
    'Ein Portal-Administrator hat diese App auf bestimmte Benutzer beschränkt, zu denen Sie nicht gehören. Bitten Sie einen Administrator, Ihnen in den App-Einstellungen Zugang zu geben.',
  USER_DEACTIVATED:
    'Bitrix24 hat den Benutzer abgelehnt, für den die App handelt: das Konto ist deaktiviert. Ein anderer Administrator muss die App einmal über das linke Menü öffnen, damit sie mit seiner Autorisierung sendet.',
  APP_NOT_INSTALLED:
    'Bitrix24 kennt diese App auf dem Portal nicht mehr: sie wurde deinstalliert. Ein Administrator kann sie erneut aus dem Bitrix24 Market installieren.',
  PORTAL_MOVED: 'Ihr Portal ist unter eine neue Adresse umgezogen. Öffnen Sie die App erneut über das linke Menü; die App verwendet dann die neue Adresse.',
  PORTAL_ANSWER_TOO_LARGE:
    'Bitrix24 hat eine Antwort gesendet, die weit größer ist als jede echte, daher hat die App aufgehört, sie zu lesen. Versuchen Sie es später erneut; wenn es wieder passiert, melden Sie es dem Anbieter der App.',
  PORTAL_CLOSED: 'Das Portal ist gelöscht oder sein öffentlicher Teil geschlossen; Bitrix24 ist nicht erreichbar.',
  SUBSCRIPTION_ENDED:
    'Der Test- oder bezahlte Zeitraum der App auf diesem Portal ist abgelaufen, daher lässt Bitrix24 sie nicht mehr arbeiten. Ein Administrator kann das Abonnement im Bitrix24 Market verlängern.',
  PORTAL_UNREACHABLE: 'Bitrix24 war nicht erreichbar. Versuchen Sie es in einigen Minuten erneut.',
  OUTCOME_UNKNOWN:
    'Bitrix24 hat nicht beantwortet, ob es diesen Push angenommen hat. Er wurde nicht erneut gesendet, damit niemand ihn doppelt erhält; fragen Sie einige Empfänger, bevor Sie erneut senden.',
  NO_RECIPIENTS: 'Unter den gewählten Empfängern ist kein aktiver Mitarbeiter, daher wurde nichts gesendet.',
  DEPARTMENT_NOT_FOUND: 'Eine gewählte Abteilung gibt es in Bitrix24 nicht mehr. Entfernen Sie sie aus den Empfängern und wählen Sie neu.',
  GROUP_NOT_FOUND: 'Eine gewählte Arbeitsgruppe gibt es in Bitrix24 nicht mehr, oder Sie können sie nicht sehen. Entfernen Sie sie aus den Empfängern und wählen Sie neu.',
  SENDER_NOT_ADMIN:
    'Dieser geplante Push wurde nicht gesendet: Der Administrator, der ihn geplant hat, ist kein Portal-Administrator mehr. Ein Administrator kann ihn aus dem Verlauf erneut senden.',
  APP_UNINSTALLED:
    'Dieser geplante Push wurde abgebrochen: Die App wurde von diesem Portal entfernt. Nach einer erneuten Installation kann ein Administrator ihn aus dem Verlauf erneut senden.',
} as const satisfies ErrorTexts;

export const fields = {
  request: 'Anfrage',
  text: 'Nachricht',
  avatar: 'Avatar-URL',
  sendAt: 'Sendezeitpunkt',
  audience: 'Empfänger',
  idempotencyKey: 'Idempotenzschlüssel',
  testToSelf: 'Test an mich',
  shortenForIphone: 'Für iPhones gekürzt',
  q: 'Suche',
  limit: 'Seitengröße',
  before: 'Seite',
  tests: 'Tests an mich',
} as const satisfies FieldTexts;

export const causes = {
  INTERNAL_SERVER_ERROR: 'In Bitrix24 ist ein interner Fehler aufgetreten. Versuchen Sie es in einigen Minuten erneut.',
  ERROR_UNEXPECTED_ANSWER: 'Bitrix24 hat unerwartet geantwortet. Versuchen Sie es in einigen Minuten erneut.',
  OPERATION_TIME_LIMIT:
    'Bitrix24 hat diese Art von Anfragen auf Ihrem Portal für einige Minuten angehalten (das Zeitbudget der letzten 10 Minuten ist aufgebraucht). Versuchen Sie es später erneut; bereits erstellte Sendungen pausieren und laufen von selbst weiter.',
  ERROR_BATCH_METHOD_NOT_ALLOWED: 'Bitrix24 hat eine gebündelte Anfrage der App abgelehnt. Bitte melden Sie das dem Anbieter der App.',
  ERROR_BATCH_LENGTH_EXCEEDED: 'Bitrix24 hat eine zu lange gebündelte Anfrage der App abgelehnt. Bitte melden Sie das dem Anbieter der App.',
  NO_AUTH_FOUND: 'Bitrix24 hat die Autorisierung der App nicht erkannt. Öffnen Sie die App erneut über das linke Menü.',
  expired_token: 'Die Bitrix24-Sitzung der App ist abgelaufen und konnte nicht erneuert werden. Öffnen Sie die App erneut über das linke Menü.',
  INVALID_REQUEST: 'Bitrix24 verlangt für diese Anfrage HTTPS. Bitte melden Sie das dem Anbieter der App.',
  ERROR_MANIFEST_IS_NOT_AVAILABLE: 'Bitrix24 meldet, dass ein Manifest nicht verfügbar ist. Bitte melden Sie das dem Anbieter der App.',
  invalid_grant: 'Die gespeicherte Bitrix24-Autorisierung der App ist abgelaufen. Ein Administrator muss die App einmal über das linke Menü öffnen, um sie zu erneuern.',
  invalid_client: 'Die Registrierung der App bei Bitrix24 ist ungültig (Client-ID oder Secret). Bitte melden Sie das dem Anbieter der App.',
  NO_STORED_AUTH: 'Die App hat keine gespeicherte Bitrix24-Autorisierung von Ihnen zum Senden. Öffnen Sie die App einmal über das linke Menü und senden Sie erneut.',
  PORTAL_UNAVAILABLE: 'Die App ist auf diesem Portal nicht mehr installiert.',
  INTERRUPTED:
    'Die App wurde neu gestartet, während dieser Push an Bitrix24 übergeben wurde; ob Bitrix24 ihn angenommen hat, ist unbekannt. Er wurde nicht erneut gesendet, damit niemand ihn doppelt erhält.',
  DATABASE_UNAVAILABLE:
    'Unsere Datenbank war während des Sendens nicht erreichbar, daher wurde der Rest dieser Nachricht nicht an Bitrix24 übergeben. Niemand hat sie doppelt erhalten; wer sie nicht bekam, kann sie erneut gesendet bekommen.',
  INTERNAL_ERROR: 'Beim Senden ist auf unserer Seite ein Fehler aufgetreten. Für diese Nachricht wird nichts mehr gesendet.',
} as const satisfies CauseTexts;

export const refusalPages = {
  malformed: {
    title: 'Diese Seite öffnet Bitrix24',
    what: 'Der Aufruf enthielt nicht, was Bitrix24 beim Öffnen der App sendet.',
    todo: 'Öffnen Sie die App im linken Menü Ihres Portals oder installieren Sie sie aus dem Bitrix24 Market.',
  },
  not_configured: {
    title: 'Die App ist noch nicht eingerichtet',
    what: 'Ihr Betreiber hat ihr noch keine Bitrix24-Registrierung (Client-ID und Secret) gegeben, daher können Installationen nicht geprüft werden.',
    todo: 'Bitte informieren Sie den Anbieter der App (Kontakt auf der Market-Karte). An Ihrem Portal ist nichts zu ändern.',
  },
  oauth_unreachable: {
    title: 'Bitrix24 ist nicht erreichbar',
    what: 'Der Autorisierungsserver von Bitrix24 hat nicht geantwortet, daher konnte das Öffnen nicht geprüft werden.',
    todo: 'Versuchen Sie es in einigen Minuten erneut.',
  },
  registration_invalid: {
    title: 'Die Registrierung der App ist ungültig',
    what: 'Bitrix24 hat Client-ID oder Secret der App nicht akzeptiert.',
    todo: 'Bitte melden Sie das dem Anbieter der App (Kontakt auf der Market-Karte).',
  },
  portal_unreachable: {
    title: 'Ihr Portal ist nicht erreichbar',
    what: 'Die App konnte Ihr Bitrix24 nicht erreichen, um das Öffnen zu prüfen.',
    todo: 'Versuchen Sie es in einigen Minuten erneut.',
  },
  not_confirmed: {
    title: 'Bitrix24 hat diese Installation nicht bestätigt',
    what: 'Die Autorisierung in diesem Aufruf wurde von Bitrix24 nicht bestätigt.',
    todo: 'Starten Sie die Installation im Market Ihres Portals erneut.',
  },
  busy: {
    title: 'Gerade zu viele Versuche',
    what: 'Die App begrenzt Installationsversuche für einen Moment.',
    todo: 'Versuchen Sie es in einer Minute erneut.',
  },
  not_admin: {
    title: 'Nur ein Administrator kann diese App installieren',
    what: 'Sie sind ohne Administratorrechte bei Bitrix24 angemeldet.',
    todo: 'Bitten Sie einen Portal-Administrator, sie aus dem Market zu installieren.',
  },
  not_installed: {
    title: 'Die App ist auf diesem Portal nicht installiert',
    what: 'Ihre Installation wurde nicht abgeschlossen, oder sie wurde entfernt.',
    todo: 'Ein Portal-Administrator kann sie (erneut) aus dem Bitrix24 Market installieren.',
  },
} as const satisfies RefusalPageTexts;
