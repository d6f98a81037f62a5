import type { Request, Response } from 'express';
import { frameAncestorsPolicy } from '../http/frameAncestors.js';

/**
 * An install or app-page opening we cannot serve still answers inside the portal's iframe: a small page
 * saying what happened and what the admin can do. A page with `frame-ancestors 'none'` would show only
 * the browser's "refused to connect" box. These pages hold no data worth clickjacking, so the portal the
 * request claims (DOMAIN and PROTOCOL of the query, the form Bitrix24 posts to) may frame them; the
 * claim is used for that header only, never to reach anything.
 */

export type RefusalReason =
  | 'malformed'
  | 'not_configured'
  | 'oauth_unreachable'
  | 'registration_invalid'
  | 'portal_unreachable'
  | 'not_confirmed'
  | 'busy'
  | 'not_admin'
  | 'not_installed';

type Language = 'en' | 'ru' | 'de';
type Texts = Record<Language, { title: string; what: string; todo: string }>;

const TEXTS: Record<RefusalReason, Texts> = {
  malformed: {
    en: { title: 'This page is opened by Bitrix24', what: 'The request did not carry what Bitrix24 sends when it opens the app.', todo: 'Open the app from your portal’s left menu, or install it from the Bitrix24 Market.' },
    ru: { title: 'Эту страницу открывает Битрикс24', what: 'В запросе нет того, что Битрикс24 передаёт при открытии приложения.', todo: 'Откройте приложение из левого меню портала или установите его из Маркета Битрикс24.' },
    de: { title: 'Diese Seite öffnet Bitrix24', what: 'Der Aufruf enthielt nicht, was Bitrix24 beim Öffnen der App sendet.', todo: 'Öffnen Sie die App im linken Menü Ihres Portals oder installieren Sie sie aus dem Bitrix24 Market.' },
  },
  not_configured: {
    en: { title: 'The app is not set up yet', what: 'Its operator has not yet given it its Bitrix24 registration (client id and secret), so installations cannot be verified.', todo: 'Please tell the app’s vendor (the contact on its Market card). Nothing on your portal needs to change.' },
    ru: { title: 'Приложение ещё не настроено', what: 'Оператор приложения ещё не указал его регистрацию в Битрикс24 (client id и secret), поэтому установку нельзя проверить.', todo: 'Сообщите разработчику приложения (контакт в карточке Маркета). На портале ничего менять не нужно.' },
    de: { title: 'Die App ist noch nicht eingerichtet', what: 'Ihr Betreiber hat ihr noch keine Bitrix24-Registrierung (Client-ID und Secret) gegeben, daher können Installationen nicht geprüft werden.', todo: 'Bitte informieren Sie den Anbieter der App (Kontakt auf der Market-Karte). An Ihrem Portal ist nichts zu ändern.' },
  },
  oauth_unreachable: {
    en: { title: 'Bitrix24 could not be reached', what: 'Bitrix24’s authorization server did not answer, so this opening could not be verified.', todo: 'Try again in a few minutes.' },
    ru: { title: 'Битрикс24 недоступен', what: 'Сервер авторизации Битрикс24 не ответил, поэтому открытие не удалось проверить.', todo: 'Попробуйте ещё раз через несколько минут.' },
    de: { title: 'Bitrix24 ist nicht erreichbar', what: 'Der Autorisierungsserver von Bitrix24 hat nicht geantwortet, daher konnte das Öffnen nicht geprüft werden.', todo: 'Versuchen Sie es in einigen Minuten erneut.' },
  },
  registration_invalid: {
    en: { title: 'The app’s registration is not valid', what: 'Bitrix24 did not accept the app’s client id or secret.', todo: 'Please report this to the app’s vendor (the contact on its Market card).' },
    ru: { title: 'Регистрация приложения недействительна', what: 'Битрикс24 не принял client id или secret приложения.', todo: 'Сообщите об этом разработчику приложения (контакт в карточке Маркета).' },
    de: { title: 'Die Registrierung der App ist ungültig', what: 'Bitrix24 hat Client-ID oder Secret der App nicht akzeptiert.', todo: 'Bitte melden Sie das dem Anbieter der App (Kontakt auf der Market-Karte).' },
  },
  portal_unreachable: {
    en: { title: 'Your portal could not be reached', what: 'The app could not reach your Bitrix24 to verify this opening.', todo: 'Try again in a few minutes.' },
    ru: { title: 'Портал недоступен', what: 'Приложению не удалось связаться с вашим Битрикс24, чтобы проверить открытие.', todo: 'Попробуйте ещё раз через несколько минут.' },
    de: { title: 'Ihr Portal ist nicht erreichbar', what: 'Die App konnte Ihr Bitrix24 nicht erreichen, um das Öffnen zu prüfen.', todo: 'Versuchen Sie es in einigen Minuten erneut.' },
  },
  not_confirmed: {
    en: { title: 'Bitrix24 did not confirm this installation', what: 'The authorization in this request was not confirmed by Bitrix24.', todo: 'Start the installation again from the Market in your portal.' },
    ru: { title: 'Битрикс24 не подтвердил установку', what: 'Авторизация в этом запросе не подтверждена Битрикс24.', todo: 'Начните установку заново из Маркета вашего портала.' },
    de: { title: 'Bitrix24 hat diese Installation nicht bestätigt', what: 'Die Autorisierung in diesem Aufruf wurde von Bitrix24 nicht bestätigt.', todo: 'Starten Sie die Installation im Market Ihres Portals erneut.' },
  },
  busy: {
    en: { title: 'Too many attempts just now', what: 'The app is limiting installation attempts for a moment.', todo: 'Try again in a minute.' },
    ru: { title: 'Слишком много попыток', what: 'Приложение ненадолго ограничило попытки установки.', todo: 'Попробуйте ещё раз через минуту.' },
    de: { title: 'Gerade zu viele Versuche', what: 'Die App begrenzt Installationsversuche für einen Moment.', todo: 'Versuchen Sie es in einer Minute erneut.' },
  },
  not_admin: {
    en: { title: 'Only an administrator can install this app', what: 'You are signed in to Bitrix24 without administrator rights.', todo: 'Ask a portal administrator to install it from the Market.' },
    ru: { title: 'Установить приложение может только администратор', what: 'Вы вошли в Битрикс24 без прав администратора.', todo: 'Попросите администратора портала установить его из Маркета.' },
    de: { title: 'Nur ein Administrator kann diese App installieren', what: 'Sie sind ohne Administratorrechte bei Bitrix24 angemeldet.', todo: 'Bitten Sie einen Portal-Administrator, sie aus dem Market zu installieren.' },
  },
  not_installed: {
    en: { title: 'The app is not installed on this portal', what: 'Its installation was not finished, or it was removed.', todo: 'A portal administrator can install it (again) from the Bitrix24 Market.' },
    ru: { title: 'Приложение не установлено на этом портале', what: 'Установка не была завершена, или приложение удалено.', todo: 'Администратор портала может установить его (снова) из Маркета Битрикс24.' },
    de: { title: 'Die App ist auf diesem Portal nicht installiert', what: 'Ihre Installation wurde nicht abgeschlossen, oder sie wurde entfernt.', todo: 'Ein Portal-Administrator kann sie (erneut) aus dem Bitrix24 Market installieren.' },
  },
};

/** A host name with an optional port, as Bitrix24 puts it in DOMAIN. */
const CLAIMED_DOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::\d{1,5})?$/i;

/** The portal origin the request claims (query DOMAIN and PROTOCOL), for frame-ancestors only. */
export function claimedPortalOrigin(req: Request): string | null {
  const domain = typeof req.query.DOMAIN === 'string' ? req.query.DOMAIN.trim() : '';
  if (!CLAIMED_DOMAIN.test(domain)) return null;
  return `${req.query.PROTOCOL === '0' ? 'http' : 'https'}://${domain.toLowerCase()}`;
}

function languageOf(req: Request): Language {
  const lang = typeof req.query.LANG === 'string' ? req.query.LANG.toLowerCase() : '';
  return lang === 'ru' || lang === 'de' ? lang : 'en';
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Answers `status` with the refusal page; `knownPortalEndpoints` (stored, trusted) may frame it too.
 * `detail` (technical, English: which field, which setting) is shown below for whoever reports it.
 */
export function sendRefusal(req: Request, res: Response, status: number, reason: RefusalReason, options: { knownPortalEndpoints?: readonly string[]; detail?: string } = {}): void {
  const knownPortalEndpoints = options.knownPortalEndpoints ?? [];
  const language = languageOf(req);
  const text = TEXTS[reason][language];
  const framers = [...knownPortalEndpoints, claimedPortalOrigin(req)].filter((origin): origin is string => origin !== null);
  res.status(status);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Security-Policy', `default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; ${frameAncestorsPolicy(framers)}`);
  res.type('html').send(`<!doctype html>
<html lang="${language}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(text.title)}</title>
<style>body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:32px;color:#333;background:#fff}main{max-width:560px}h1{font-size:20px;margin:0 0 12px}p{margin:0 0 8px}@media (prefers-color-scheme:dark){body{color:#e6e6e6;background:#1f2329}}</style>
</head>
<body><main role="alert" data-refusal="${reason}"><h1>${escape(text.title)}</h1><p>${escape(text.what)}</p><p>${escape(text.todo)}</p>${options.detail ? `<p><small>${escape(options.detail)}</small></p>` : ''}</main></body>
</html>
`);
}
