import { createContext, useContext, type ReactNode } from 'react';

export type Language = 'en' | 'ru' | 'de';

const en = {
  'frame.loading': 'Connecting to Bitrix24…',
  'frame.outside.title': 'Open this app from Bitrix24',
  'frame.outside.body': 'This page works inside your Bitrix24 portal. Open it from the left menu of the portal where the app is installed.',
  'frame.timeout.title': 'Bitrix24 did not answer',
  'frame.timeout.body': 'The portal did not answer in time. Reload the page; if it keeps happening, reopen the app from the left menu.',
  'frame.failed.title': 'Could not connect to Bitrix24',
  'frame.failed.body': 'The connection to the portal failed. Reopen the app from the left menu.',
  'welcome.title': 'Push notifications to employees’ phones',
  'welcome.signedInAs': 'Signed in as {name}',
  'welcome.admin': 'You are a portal administrator.',
  'welcome.notAdmin': 'Only portal administrators can send push notifications.',
  'welcome.profileError': 'Could not read your profile from Bitrix24: {message}',
  'install.title': 'Installing the app',
  'install.binding': 'Connecting the app to your portal…',
  'install.done': 'Installation finished. Bitrix24 will open the app now.',
  'install.failed': 'Installation failed: {message}',
  'install.alreadyInstalled': 'The app is already installed. Open it from the left menu.',
  'status.notInstalled': 'The app is not installed on this portal. Install it from the Bitrix24 Market.',
  'status.unavailable': 'The app’s server could not be reached. Reload the page in a minute.',
  'status.installUnfinished': 'The installation has not been finished yet. An administrator should open the app once from the Market so it can finish.',
  'status.reopenApp': 'The app’s saved Bitrix24 authorization for you has run out. Close the app and open it again from the left menu to renew it.',
  'status.ready': 'Pushes will be sent as “{appName}”. Administrators with saved authorization: {admins}.',
  'composer.message': 'Message',
  'composer.avatar': 'Avatar URL',
  'composer.sendTestToMe': 'Send test to me',
  'composer.sending': 'Sending…',
  'composer.accepted': 'Accepted by Bitrix24 for {count} recipient(s). Bitrix24 confirms acceptance, not delivery.',
} as const;

export type MessageKey = keyof typeof en;
type Catalogue = Record<MessageKey, string>;

const ru: Catalogue = {
  'frame.loading': 'Подключение к Битрикс24…',
  'frame.outside.title': 'Откройте приложение из Битрикс24',
  'frame.outside.body': 'Эта страница работает внутри вашего портала Битрикс24. Откройте её из левого меню портала, где установлено приложение.',
  'frame.timeout.title': 'Битрикс24 не ответил',
  'frame.timeout.body': 'Портал не ответил вовремя. Обновите страницу; если это повторяется, откройте приложение из левого меню заново.',
  'frame.failed.title': 'Не удалось подключиться к Битрикс24',
  'frame.failed.body': 'Соединение с порталом не удалось. Откройте приложение из левого меню заново.',
  'welcome.title': 'Push-уведомления на телефоны сотрудников',
  'welcome.signedInAs': 'Вы вошли как {name}',
  'welcome.admin': 'Вы администратор портала.',
  'welcome.notAdmin': 'Отправлять push-уведомления могут только администраторы портала.',
  'welcome.profileError': 'Не удалось получить ваш профиль из Битрикс24: {message}',
  'install.title': 'Установка приложения',
  'install.binding': 'Подключаем приложение к порталу…',
  'install.done': 'Установка завершена. Битрикс24 сейчас откроет приложение.',
  'install.failed': 'Установка не удалась: {message}',
  'install.alreadyInstalled': 'Приложение уже установлено. Откройте его из левого меню.',
  'status.notInstalled': 'Приложение не установлено на этом портале. Установите его из Маркета Битрикс24.',
  'status.unavailable': 'Не удалось связаться с сервером приложения. Обновите страницу через минуту.',
  'status.installUnfinished': 'Установка ещё не завершена. Администратору нужно один раз открыть приложение из Маркета, чтобы она завершилась.',
  'status.reopenApp': 'Сохранённая авторизация Битрикс24 для вас истекла. Закройте приложение и откройте его снова из левого меню, чтобы обновить её.',
  'status.ready': 'Push-уведомления будут отправляться от имени «{appName}». Администраторов с сохранённой авторизацией: {admins}.',
  'composer.message': 'Сообщение',
  'composer.avatar': 'URL аватара',
  'composer.sendTestToMe': 'Отправить тест себе',
  'composer.sending': 'Отправка…',
  'composer.accepted': 'Битрикс24 принял уведомление для получателей: {count}. Битрикс24 подтверждает приём, а не доставку.',
};

const de: Catalogue = {
  'frame.loading': 'Verbindung zu Bitrix24 wird hergestellt…',
  'frame.outside.title': 'Öffnen Sie diese App in Bitrix24',
  'frame.outside.body': 'Diese Seite funktioniert innerhalb Ihres Bitrix24-Portals. Öffnen Sie sie über das linke Menü des Portals, in dem die App installiert ist.',
  'frame.timeout.title': 'Bitrix24 hat nicht geantwortet',
  'frame.timeout.body': 'Das Portal hat nicht rechtzeitig geantwortet. Laden Sie die Seite neu; falls es wieder passiert, öffnen Sie die App erneut über das linke Menü.',
  'frame.failed.title': 'Keine Verbindung zu Bitrix24',
  'frame.failed.body': 'Die Verbindung zum Portal ist fehlgeschlagen. Öffnen Sie die App erneut über das linke Menü.',
  'welcome.title': 'Push-Benachrichtigungen auf die Telefone der Mitarbeitenden',
  'welcome.signedInAs': 'Angemeldet als {name}',
  'welcome.admin': 'Sie sind Administrator des Portals.',
  'welcome.notAdmin': 'Nur Portal-Administratoren können Push-Benachrichtigungen senden.',
  'welcome.profileError': 'Ihr Profil konnte nicht aus Bitrix24 gelesen werden: {message}',
  'install.title': 'Die App wird installiert',
  'install.binding': 'Die App wird mit Ihrem Portal verbunden…',
  'install.done': 'Installation abgeschlossen. Bitrix24 öffnet die App jetzt.',
  'install.failed': 'Installation fehlgeschlagen: {message}',
  'install.alreadyInstalled': 'Die App ist bereits installiert. Öffnen Sie sie über das linke Menü.',
  'status.notInstalled': 'Die App ist auf diesem Portal nicht installiert. Installieren Sie sie aus dem Bitrix24 Market.',
  'status.unavailable': 'Der Server der App war nicht erreichbar. Laden Sie die Seite in einer Minute neu.',
  'status.installUnfinished': 'Die Installation ist noch nicht abgeschlossen. Ein Administrator sollte die App einmal aus dem Market öffnen, damit sie abgeschlossen wird.',
  'status.reopenApp': 'Ihre gespeicherte Bitrix24-Autorisierung ist abgelaufen. Schließen Sie die App und öffnen Sie sie erneut über das linke Menü, um sie zu erneuern.',
  'status.ready': 'Pushs werden als „{appName}“ gesendet. Administratoren mit gespeicherter Autorisierung: {admins}.',
  'composer.message': 'Nachricht',
  'composer.avatar': 'Avatar-URL',
  'composer.sendTestToMe': 'Test an mich senden',
  'composer.sending': 'Wird gesendet…',
  'composer.accepted': 'Von Bitrix24 für {count} Empfänger angenommen. Bitrix24 bestätigt die Annahme, nicht die Zustellung.',
};

const catalogues: Record<Language, Catalogue> = { en, ru, de };

/** Bitrix24's language codes (LANG, getLang()) mapped to the ones we translate; English otherwise. */
export function toLanguage(code: string | null | undefined): Language {
  const lower = (code ?? '').toLowerCase().slice(0, 2);
  return lower === 'ru' || lower === 'de' ? lower : 'en';
}

/** Before the frame answers, the handler URL's LANG query parameter is the best hint. */
export function languageFromUrl(search: string = window.location.search): Language {
  return toLanguage(new URLSearchParams(search).get('LANG'));
}

export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

export function translator(language: Language): Translate {
  const catalogue = catalogues[language];
  return (key, values) => catalogue[key].replace(/\{(\w+)\}/g, (match, name: string) => (values && name in values ? String(values[name]) : match));
}

const I18nContext = createContext<{ language: Language; t: Translate }>({ language: 'en', t: translator('en') });

export function I18nProvider({ language, children }: { language: Language; children: ReactNode }) {
  return <I18nContext.Provider value={{ language, t: translator(language) }}>{children}</I18nContext.Provider>;
}

export function useI18n() {
  return useContext(I18nContext);
}
