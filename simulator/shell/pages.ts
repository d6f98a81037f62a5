import type { ShellLang, ShellStrings } from './i18n.js';
import { SHELL_MODULES } from './assets.js';

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON for a `<script type="application/json">` block: nothing in it can close the tag. */
function inlineJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

interface PageModel {
  lang: ShellLang;
  t: ShellStrings;
  portalLabel: string;
  /** Read by the page's script from `#sim-boot`. */
  boot: unknown;
}

/**
 * What the portal page and the phone page share: the head with the shell's styles, the boot data and
 * the page's script, a native ES module under /_sim/shell/assets/ (`preload`: modules fetched at once).
 */
function shellDocument(m: PageModel, page: { title: string; preload: readonly string[]; bodyClass: string; body: string; script: string }): string {
  return `<!doctype html>
<html lang="${m.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/_sim/shell/assets/shell.css">
${page.preload.map((module) => `<link rel="modulepreload" href="/_sim/shell/assets/${module}">\n`).join('')}</head>
<body class="${page.bodyClass}">
${page.body}
<script type="application/json" id="sim-boot">${inlineJson(m.boot)}</script>
<script type="module" src="/_sim/shell/assets/${page.script}"></script>
</body>
</html>
`;
}

export interface PortalPageModel extends PageModel {
  domain: string;
  userName: string;
}

export function portalPage(m: PortalPageModel): string {
  const { t } = m;
  const body = `<header class="b24-topbar" data-testid="portal-topbar">
  <div class="b24-logo"><span class="b24-logo-name" data-testid="portal-name">${escapeHtml(m.portalLabel)}</span><span class="b24-logo-24">24</span></div>
  <div class="b24-domain" title="DOMAIN">${escapeHtml(m.domain)}</div>
  <div class="b24-topbar-spacer"></div>
  <label class="b24-switch">${escapeHtml(t.signedInAs)}
    <select id="sim-user-switch" data-testid="portal-user-switch" aria-label="${escapeHtml(t.signedInAs)}"></select>
  </label>
  <label class="b24-switch">${escapeHtml(t.language)}
    <select id="sim-lang-switch" data-testid="portal-lang-switch" aria-label="${escapeHtml(t.language)}">
      <option value="en">English</option><option value="ru">Русский</option><option value="de">Deutsch</option>
    </select>
  </label>
  <div class="b24-user" data-testid="portal-current-user">${escapeHtml(m.userName)}</div>
  <a class="b24-phone-link" id="sim-phone-link" data-testid="portal-phone-link" target="_blank" rel="noopener">${escapeHtml(t.phone)}</a>
</header>
<div class="b24-layout">
  <nav class="b24-menu" aria-label="Main menu" data-testid="portal-left-menu">
    <ul id="sim-menu">
      <li><button type="button" class="b24-menu-item" data-menu="feed">${escapeHtml(t.menuFeed)}</button></li>
      <li><button type="button" class="b24-menu-item" data-menu="tasks">${escapeHtml(t.menuTasks)}</button></li>
      <li><button type="button" class="b24-menu-item" data-menu="employees">${escapeHtml(t.menuEmployees)}</button></li>
      <li id="sim-menu-app-slot" hidden></li>
      <li><button type="button" class="b24-menu-item" data-menu="market" data-testid="portal-menu-market">${escapeHtml(t.menuMarket)}</button></li>
    </ul>
  </nav>
  <main class="b24-main">
    <h1 id="pagetitle" class="b24-pagetitle" data-testid="portal-page-title">${escapeHtml(t.feedTitle)}</h1>
    <section id="sim-view-feed" class="b24-card" data-testid="portal-feed"><p>${escapeHtml(t.feedText)}</p></section>
    <section id="sim-view-market" class="b24-card" data-testid="portal-market" hidden></section>
    <section id="sim-view-app" class="b24-app" data-testid="portal-app-area" hidden>
      <div id="sim-frame-slot" class="b24-frame-slot"></div>
    </section>
  </main>
</div>
<div id="sim-modal-root"></div>`;
  return shellDocument(m, { title: `${escapeHtml(m.portalLabel)} — Bitrix24`, preload: SHELL_MODULES, bodyClass: 'b24', body, script: 'shell/main.js' });
}

export type PhonePageModel = PageModel;

export function phonePage(m: PhonePageModel): string {
  const { t } = m;
  const body = `<div class="phone" data-testid="phone">
  <div class="phone-status"><span id="phone-clock" data-testid="phone-clock"></span><span>▂▄▆ 5G ▮</span></div>
  <div class="phone-head">
    <h1>${escapeHtml(t.phoneTitle)}</h1>
    <select id="phone-user" data-testid="phone-user-switch" aria-label="${escapeHtml(t.signedInAs)}"></select>
  </div>
  <p id="phone-disabled" class="phone-disabled" data-testid="phone-push-disabled" hidden>${escapeHtml(t.phonePushDisabled)}</p>
  <ol id="phone-list" class="phone-list" data-testid="phone-pushes" aria-live="polite"></ol>
  <p id="phone-empty" class="phone-empty" data-testid="phone-empty" hidden>${escapeHtml(t.phoneNoPushes)}</p>
</div>`;
  return shellDocument(m, { title: `${escapeHtml(t.phone)} — ${escapeHtml(m.portalLabel)}`, preload: [], bodyClass: 'phone-body', body, script: 'phone.js' });
}
