import { createContext, useContext, type ReactNode } from 'react';

export type Language = 'en' | 'ru' | 'de';

/** A string, or plural forms chosen by `{count}` (Intl.PluralRules categories; `other` always present). */
type Message = string | ({ other: string } & Partial<Record<Intl.LDMLPluralRule, string>>);

const en = {
  'frame.loading': 'Connecting to Bitrix24…',
  'frame.outside.title': 'Open this app from Bitrix24',
  'frame.outside.body': 'This page works inside your Bitrix24 portal. Open it from the left menu of the portal where the app is installed.',
  'frame.timeout.title': 'Bitrix24 did not answer',
  'frame.timeout.body': 'The portal did not answer in time. Reload the page; if it keeps happening, reopen the app from the left menu.',
  'frame.failed.title': 'Could not connect to Bitrix24',
  'frame.failed.body': 'The connection to the portal failed. Reopen the app from the left menu.',
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
  'status.missingScopes': 'The app lacks Bitrix24 permissions it needs ({scopes}), so some recipients cannot be chosen or sent to. Update or reinstall the app from the Bitrix24 Market to grant them.',
  'app.title': 'Push notifications to employees’ phones',
  'app.tab.compose': 'New push',
  'app.tab.history': 'History',
  'app.notAdminTitle': 'Only administrators send pushes',
  'app.notAdminHint': 'Ask a portal administrator if your team needs to send a notification.',
  'recipients.title': 'Recipients',
  'recipients.all': 'All employees',
  'recipients.chooseInBitrix24': 'Choose in Bitrix24…',
  'recipients.tab.people': 'People',
  'recipients.tab.departments': 'Departments',
  'recipients.tab.groups': 'Groups',
  'recipients.search': 'Search employees',
  'recipients.searchPlaceholder': 'Name, position or department',
  'recipients.searchResults': 'Employees found',
  'recipients.searching': 'Searching…',
  'recipients.noResults': 'No active employees found.',
  'recipients.loadingDirectory': 'Loading departments and groups…',
  'recipients.departments': 'Departments',
  'recipients.groups': 'Groups',
  'recipients.filterDepartments': 'Filter departments',
  'recipients.filterGroups': 'Filter groups',
  'recipients.includeSubdepartments': 'Include sub-departments',
  'recipients.departmentsWithHeads': 'A department includes its head, as in Bitrix24.',
  'recipients.withSubdepartments': '{name} + sub-departments',
  'recipients.noDepartments': 'No departments match.',
  'recipients.noGroups': 'No groups match.',
  'recipients.members': { one: '{count} member', other: '{count} members' },
  'recipients.chosen': 'Chosen recipients',
  'recipients.remove': 'Remove {name}',
  'recipients.none': 'Choose who gets the push.',
  'recipients.counting': 'Counting recipients…',
  'recipients.count': { one: '{count} person will receive it.', other: '{count} people will receive it.' },
  'recipients.unreachable': {
    one: '{count} chosen person cannot receive pushes (deactivated, extranet or not an employee) and is left out.',
    other: '{count} chosen people cannot receive pushes (deactivated, extranet or not employees) and are left out.',
  },
  'recipients.accessRefused': 'These cannot receive pushes and were not added: {names}.',
  'composer.messageTitle': 'Message',
  'composer.counter': '{count} / {max} characters',
  'composer.bytes': '{bytes} bytes on the phone',
  'composer.willBeCut': 'Too long for {devices}: the notification will be cut there. Shorten the text or the avatar URL.',
  'composer.avatarHint': 'Optional: an https:// image shown next to the notification.',
  'composer.avatarThumb': 'Avatar preview',
  'composer.avatar.notHttps': 'The avatar must be an https:// address phones can load.',
  'composer.avatar.tooLong': 'The avatar URL is longer than 512 characters.',
  'composer.preview': 'Preview on a phone',
  'composer.previewEmpty': 'Your message appears here.',
  'composer.now': 'now',
  'composer.send': 'Send',
  'composer.sendAt': 'Send at',
  'composer.timeZone': 'Time zone: {zone}',
  'composer.schedule': 'Schedule',
  'composer.scheduling': 'Scheduling…',
  'composer.scheduled': 'Scheduled for {when}. You can cancel it in History until then.',
  'composer.inProgress': 'Sending: accepted for {done} of {count} people so far…',
  'composer.partly': 'Accepted for {accepted} of {count} people.',
  'composer.accepted': {
    one: 'Accepted by Bitrix24 for {count} recipient. Bitrix24 confirms acceptance, not delivery.',
    other: 'Accepted by Bitrix24 for {count} recipients. Bitrix24 confirms acceptance, not delivery.',
  },
  'confirm.title': 'Send this push?',
  'confirm.count': { one: '{count} person', other: '{count} people' },
  'confirm.unknownCount': 'everyone chosen',
  'confirm.body': 'It goes to {amount} at once and cannot be taken back.',
  'confirm.everybody': 'It goes to all employees ({amount}) at once and cannot be taken back.',
  'confirm.send': 'Send to {amount}',
  'confirm.cancel': 'Cancel',
  'history.title': 'Sent and scheduled pushes',
  'history.empty': 'Nothing has been sent from this portal yet.',
  'history.when': 'When',
  'history.who': 'Sent by',
  'history.text': 'Message',
  'history.audience': 'Recipients',
  'history.recipients': 'Accepted',
  'history.status': 'Status',
  'history.actions': 'Actions',
  'history.scheduledFor': 'Scheduled for {when}',
  'history.accepted': '{accepted} of {count}',
  'history.testToSelf': 'Test to the sender',
  'history.people': { one: '{count} person', other: '{count} people' },
  'history.departments': { one: '{count} department', other: '{count} departments' },
  'history.groups': { one: '{count} group', other: '{count} groups' },
  'history.person': 'Person',
  'history.department': 'Department',
  'history.group': 'Group',
  'history.cancel': 'Cancel',
  'history.pausedUntil': 'Paused by Bitrix24 until {time}; it goes on by itself then.',
  'history.sendAgain': 'Send again',
  'history.more': 'Show older',
  'history.status.queued': 'Queued',
  'history.status.scheduled': 'Scheduled',
  'history.status.sending': 'Sending',
  'history.status.sent': 'Sent',
  'history.status.partly_failed': 'Partly failed',
  'history.status.failed': 'Failed',
  'history.status.cancelled': 'Cancelled',

} as const satisfies Record<string, Message>;

export type MessageKey = keyof typeof en;
type Catalogue = Record<MessageKey, Message>;

const ru: Catalogue = {
  'frame.loading': 'Подключение к Битрикс24…',
  'frame.outside.title': 'Откройте приложение из Битрикс24',
  'frame.outside.body': 'Эта страница работает внутри вашего портала Битрикс24. Откройте её из левого меню портала, где установлено приложение.',
  'frame.timeout.title': 'Битрикс24 не ответил',
  'frame.timeout.body': 'Портал не ответил вовремя. Обновите страницу; если это повторяется, откройте приложение из левого меню заново.',
  'frame.failed.title': 'Не удалось подключиться к Битрикс24',
  'frame.failed.body': 'Соединение с порталом не удалось. Откройте приложение из левого меню заново.',
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
  'status.missingScopes': 'У приложения нет нужных прав в Битрикс24 ({scopes}), поэтому часть получателей нельзя выбрать или им нельзя отправить. Обновите или переустановите приложение из Маркета Битрикс24, чтобы выдать права.',
  'app.title': 'Push-уведомления на телефоны сотрудников',
  'app.tab.compose': 'Новое уведомление',
  'app.tab.history': 'История',
  'app.notAdminTitle': 'Отправлять могут только администраторы',
  'app.notAdminHint': 'Если вашей команде нужно отправить уведомление, обратитесь к администратору портала.',
  'recipients.title': 'Получатели',
  'recipients.all': 'Все сотрудники',
  'recipients.chooseInBitrix24': 'Выбрать в Битрикс24…',
  'recipients.tab.people': 'Сотрудники',
  'recipients.tab.departments': 'Отделы',
  'recipients.tab.groups': 'Группы',
  'recipients.search': 'Поиск сотрудников',
  'recipients.searchPlaceholder': 'Имя, должность или отдел',
  'recipients.searchResults': 'Найденные сотрудники',
  'recipients.searching': 'Поиск…',
  'recipients.noResults': 'Активные сотрудники не найдены.',
  'recipients.loadingDirectory': 'Загружаем отделы и группы…',
  'recipients.departments': 'Отделы',
  'recipients.groups': 'Группы',
  'recipients.filterDepartments': 'Фильтр отделов',
  'recipients.filterGroups': 'Фильтр групп',
  'recipients.includeSubdepartments': 'Включая подотделы',
  'recipients.departmentsWithHeads': 'Отдел включает своего руководителя, как в Битрикс24.',
  'recipients.withSubdepartments': '{name} и подотделы',
  'recipients.noDepartments': 'Подходящих отделов нет.',
  'recipients.noGroups': 'Подходящих групп нет.',
  'recipients.members': { one: '{count} участник', few: '{count} участника', many: '{count} участников', other: '{count} участника' },
  'recipients.chosen': 'Выбранные получатели',
  'recipients.remove': 'Убрать: {name}',
  'recipients.none': 'Выберите, кто получит уведомление.',
  'recipients.counting': 'Считаем получателей…',
  'recipients.count': {
    one: 'Уведомление получит {count} человек.',
    few: 'Уведомление получат {count} человека.',
    many: 'Уведомление получат {count} человек.',
    other: 'Уведомление получат {count} человека.',
  },
  'recipients.unreachable': {
    one: '{count} выбранный человек не может получать push-уведомления (деактивирован, экстранет или не сотрудник) и не учтён.',
    few: '{count} выбранных человека не могут получать push-уведомления (деактивированы, экстранет или не сотрудники) и не учтены.',
    many: '{count} выбранных человек не могут получать push-уведомления (деактивированы, экстранет или не сотрудники) и не учтены.',
    other: '{count} выбранных человека не могут получать push-уведомления и не учтены.',
  },
  'recipients.accessRefused': 'Эти получатели не могут получать push-уведомления и не добавлены: {names}.',
  'composer.messageTitle': 'Сообщение',
  'composer.counter': '{count} / {max} символов',
  'composer.bytes': '{bytes} байт на телефоне',
  'composer.willBeCut': 'Слишком длинно для {devices}: там уведомление будет обрезано. Сократите текст или адрес аватара.',
  'composer.avatarHint': 'Необязательно: картинка https://, которая показывается рядом с уведомлением.',
  'composer.avatarThumb': 'Предпросмотр аватара',
  'composer.avatar.notHttps': 'Аватар должен быть адресом https://, доступным телефонам.',
  'composer.avatar.tooLong': 'Адрес аватара длиннее 512 символов.',
  'composer.preview': 'Так выглядит на телефоне',
  'composer.previewEmpty': 'Здесь появится ваше сообщение.',
  'composer.now': 'сейчас',
  'composer.send': 'Отправить',
  'composer.sendAt': 'Отправить в',
  'composer.timeZone': 'Часовой пояс: {zone}',
  'composer.schedule': 'Запланировать',
  'composer.scheduling': 'Планируем…',
  'composer.scheduled': 'Запланировано на {when}. До этого момента отправку можно отменить в истории.',
  'composer.inProgress': 'Отправка: принято для {done} из {count} человек…',
  'composer.partly': 'Принято для {accepted} из {count} человек.',
  'composer.accepted': {
    one: 'Битрикс24 принял уведомление для {count} получателя. Битрикс24 подтверждает приём, а не доставку.',
    few: 'Битрикс24 принял уведомление для {count} получателей. Битрикс24 подтверждает приём, а не доставку.',
    many: 'Битрикс24 принял уведомление для {count} получателей. Битрикс24 подтверждает приём, а не доставку.',
    other: 'Битрикс24 принял уведомление для {count} получателя. Битрикс24 подтверждает приём, а не доставку.',
  },
  'confirm.title': 'Отправить уведомление?',
  'confirm.count': { one: '{count} человеку', few: '{count} людям', many: '{count} людям', other: '{count} человека' },
  'confirm.unknownCount': 'всем выбранным',
  'confirm.body': 'Уведомление сразу уйдёт: {amount}. Отменить его будет нельзя.',
  'confirm.everybody': 'Уведомление сразу уйдёт всем сотрудникам ({amount}). Отменить его будет нельзя.',
  'confirm.send': 'Отправить: {amount}',
  'confirm.cancel': 'Отмена',
  'history.title': 'Отправленные и запланированные уведомления',
  'history.empty': 'С этого портала ещё ничего не отправляли.',
  'history.when': 'Когда',
  'history.who': 'Отправитель',
  'history.text': 'Сообщение',
  'history.audience': 'Получатели',
  'history.recipients': 'Принято',
  'history.status': 'Статус',
  'history.actions': 'Действия',
  'history.scheduledFor': 'Запланировано на {when}',
  'history.accepted': '{accepted} из {count}',
  'history.testToSelf': 'Тест отправителю',
  'history.people': { one: '{count} человек', few: '{count} человека', many: '{count} человек', other: '{count} человека' },
  'history.departments': { one: '{count} отдел', few: '{count} отдела', many: '{count} отделов', other: '{count} отдела' },
  'history.groups': { one: '{count} группа', few: '{count} группы', many: '{count} групп', other: '{count} группы' },
  'history.person': 'Сотрудник',
  'history.department': 'Отдел',
  'history.group': 'Группа',
  'history.cancel': 'Отменить',
  'history.pausedUntil': 'Битрикс24 приостановил отправку до {time}; затем она продолжится сама.',
  'history.sendAgain': 'Отправить снова',
  'history.more': 'Показать старые',
  'history.status.queued': 'В очереди',
  'history.status.scheduled': 'Запланировано',
  'history.status.sending': 'Отправляется',
  'history.status.sent': 'Отправлено',
  'history.status.partly_failed': 'Отправлено частично',
  'history.status.failed': 'Не отправлено',
  'history.status.cancelled': 'Отменено',

};

/** German: the welcome and the frame's own pages; the rest falls back to English. */
const de: Partial<Catalogue> = {
  'frame.loading': 'Verbindung zu Bitrix24 wird hergestellt…',
  'frame.outside.title': 'Öffnen Sie diese App in Bitrix24',
  'frame.outside.body': 'Diese Seite funktioniert innerhalb Ihres Bitrix24-Portals. Öffnen Sie sie über das linke Menü des Portals, in dem die App installiert ist.',
  'frame.timeout.title': 'Bitrix24 hat nicht geantwortet',
  'frame.timeout.body': 'Das Portal hat nicht rechtzeitig geantwortet. Laden Sie die Seite neu; falls es wieder passiert, öffnen Sie die App erneut über das linke Menü.',
  'frame.failed.title': 'Keine Verbindung zu Bitrix24',
  'frame.failed.body': 'Die Verbindung zum Portal ist fehlgeschlagen. Öffnen Sie die App erneut über das linke Menü.',
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
  'app.title': 'Push-Benachrichtigungen auf die Telefone der Mitarbeitenden',
  'app.tab.compose': 'Neuer Push',
  'app.tab.history': 'Verlauf',
  'app.notAdminTitle': 'Nur Administratoren senden Pushs',
  'app.notAdminHint': 'Wenden Sie sich an einen Portal-Administrator, wenn Ihr Team eine Benachrichtigung senden muss.',

};

const catalogues: Record<Language, Partial<Catalogue>> = { en, ru, de };

/** Bitrix24's language codes (LANG, getLang()) mapped to the ones we translate; English otherwise. */
export function toLanguage(code: string | null | undefined): Language {
  const lower = (code ?? '').toLowerCase().slice(0, 2);
  return lower === 'ru' || lower === 'de' ? lower : 'en';
}

/** Before the frame answers, the handler URL's LANG query parameter is the best hint. */
export function languageFromUrl(search: string = window.location.search): Language {
  return toLanguage(new URLSearchParams(search).get('LANG'));
}

/** Keys may be built at run time (`history.status.${status}`); an unknown key shows itself. */
export type Translate = (key: MessageKey | `${string}.${string}`, values?: Record<string, string | number>) => string;

export function translator(language: Language): Translate {
  const catalogue = catalogues[language];
  const plurals = new Intl.PluralRules(language);
  return (key, values) => {
    const known = key as MessageKey;
    const message: Message | undefined = catalogue[known] ?? (en as Partial<Catalogue>)[known];
    if (message === undefined) return key;
    const count = values?.count;
    const text = typeof message === 'string' ? message : (message[plurals.select(typeof count === 'number' ? count : Number(count ?? 0))] ?? message.other);
    const formatted = (name: string) => {
      const value = values?.[name];
      return typeof value === 'number' ? value.toLocaleString(language) : String(value);
    };
    return text.replace(/\{(\w+)\}/g, (match, name: string) => (values && name in values ? formatted(name) : match));
  };
}

const I18nContext = createContext<{ language: Language; t: Translate }>({ language: 'en', t: translator('en') });

export function I18nProvider({ language, children }: { language: Language; children: ReactNode }) {
  return <I18nContext.Provider value={{ language, t: translator(language) }}>{children}</I18nContext.Provider>;
}

export function useI18n() {
  return useContext(I18nContext);
}
