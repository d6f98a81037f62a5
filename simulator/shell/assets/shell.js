// @ts-check
// The Bitrix24 portal page around the app's iframe: left menu, Market card, the frame protocol of
// @bitrix24/b24jssdk (answered from here, relayed to the simulator where the portal owns the answer),
// and the native selectUser / selectAccess dialogs. Plain browser script, no dependencies.
(() => {
  'use strict';

  /**
   * @typedef {{ action: string, fields: Record<string, string>, frameName: string, appSid: string, appOrigin: string }} FrameOpening
   * @typedef {{ command: string, params: any, callback: string, appSid: string }} FrameMessage
   * @typedef {{ at: number, command: string, params: any, answered: boolean, answer?: any, error?: string, cancelled?: boolean }} LogEntry
   * @typedef {{ id: string, name: string, photo: string, position: string, url: string, sub: boolean, sup: boolean }} SelectedUser
   */

  const bootEl = /** @type {HTMLElement} */ (document.getElementById('sim-boot'));
  const boot = JSON.parse(bootEl.textContent || '{}');
  /** @type {Record<string, string>} */
  const t = boot.t;

  const state = {
    installState: /** @type {string} */ (boot.installState),
    appName: /** @type {string} */ (boot.appName),
    /** @type {FrameOpening | null} */ opening: null,
    /** @type {HTMLIFrameElement | null} */ frame: null,
    dialogOpen: false,
    /**
     * The open selectUser / selectAccess dialog and whom its pick answers: the portal keeps one callback
     * per dialog, so a request made while it is open takes the answer over.
     * @type {{ command: string, reply: (value: unknown) => void, entry: LogEntry } | null}
     */
    picker: null,
    /** @type {LogEntry[]} */ log: [],
  };

  // Read-only view for end-to-end tests.
  Object.defineProperty(window, '__simShell', {
    value: Object.freeze({
      get log() { return state.log.map((e) => ({ ...e })); },
      get opening() { return state.opening; },
      get installState() { return state.installState; },
    }),
  });

  const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

  /**
   * @param {string} tag
   * @param {Record<string, string | boolean | number | undefined | null>} [attrs]
   * @param {Array<Node | string | null | undefined | false>} [children]
   */
  function el(tag, attrs = {}, children = []) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'text') node.textContent = String(v);
      else if (k === 'class') node.className = String(v);
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) if (c) node.append(c);
    return node;
  }

  /** @param {string} path @param {unknown} [body] */
  async function api(path, body) {
    const init = body === undefined
      ? { cache: /** @type {RequestCache} */ ('no-store') }
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    const res = await fetch(path, init);
    const data = await res.json().catch(() => ({}));
    if (!res.ok) {
      const err = new Error(data.error_description || data.error || res.statusText);
      /** @type {any} */ (err).code = data.error;
      throw err;
    }
    return data;
  }

  function showError(/** @type {string} */ text) {
    const main = document.querySelector('.b24-main');
    if (!main) return;
    const box = el('div', { class: 'b24-error', role: 'alert', 'data-testid': 'portal-error', text });
    main.insertBefore(box, main.children[1] ?? null);
  }

  /** Images only from this machine: the simulator never reaches outside loopback. */
  function isLocalUrl(/** @type {string} */ url) {
    if (!url) return false;
    try {
      const u = new URL(url, location.href);
      if (u.protocol === 'data:') return true;
      return (u.protocol === 'http:' || u.protocol === 'https:') && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
    } catch {
      return false;
    }
  }

  function avatar(/** @type {string} */ name, /** @type {string} */ photo, /** @type {string} */ testid = '') {
    const initials = name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0]).join('').toUpperCase();
    const box = el('span', { class: 'sim-avatar', 'aria-hidden': 'true', 'data-testid': testid || undefined, 'data-src': photo || undefined });
    if (isLocalUrl(photo)) box.append(el('img', { src: photo, alt: '' }));
    else box.textContent = initials || '?';
    return box;
  }

  // ---------------------------------------------------------------- top bar, menu, views

  function navigate(/** @type {Record<string, string>} */ changes) {
    const url = new URL(location.href);
    for (const [k, v] of Object.entries(changes)) url.searchParams.set(k, v);
    url.searchParams.delete('open');
    location.assign(url.toString());
  }

  function initTopBar() {
    const userSwitch = /** @type {HTMLSelectElement} */ ($('sim-user-switch'));
    for (const u of boot.switchUsers) {
      const role = u.admin ? t.admin : t.employee;
      userSwitch.append(el('option', { value: u.id, text: `${u.name} (${role}, #${u.id})`, selected: u.id === boot.user.id }));
    }
    userSwitch.addEventListener('change', () => navigate({ user: userSwitch.value }));
    const langSwitch = /** @type {HTMLSelectElement} */ ($('sim-lang-switch'));
    langSwitch.value = boot.lang;
    langSwitch.addEventListener('change', () => navigate({ lang: langSwitch.value, user: String(boot.user.id) }));
    /** @type {HTMLAnchorElement} */ ($('sim-phone-link')).href = `/phone?user=${boot.user.id}`;
    for (const item of document.querySelectorAll('[data-menu]')) {
      item.addEventListener('click', () => {
        const which = /** @type {HTMLElement} */ (item).dataset.menu;
        if (which === 'market') showView('market');
        else if (which === 'app') void openFrame('DEFAULT');
        else showView('feed', /** @type {HTMLElement} */ (item).textContent || '');
      });
    }
  }

  function renderMenu() {
    const slot = $('sim-menu-app-slot');
    slot.replaceChildren();
    if (state.installState === 'installed') {
      const btn = el('button', { type: 'button', class: 'b24-menu-item b24-menu-app', 'data-menu': 'app', 'data-testid': 'portal-menu-app', text: state.appName });
      btn.addEventListener('click', () => void openFrame('DEFAULT'));
      slot.append(btn);
      slot.hidden = false;
    } else {
      slot.hidden = true;
    }
  }

  /** @param {'feed' | 'market' | 'app'} view @param {string} [title] */
  function showView(view, title) {
    $('sim-view-feed').hidden = view !== 'feed';
    $('sim-view-market').hidden = view !== 'market';
    $('sim-view-app').hidden = view !== 'app';
    if (view !== 'app') closeFrame();
    if (view === 'market') renderMarket();
    $('pagetitle').textContent = title || (view === 'market' ? t.marketTitle : view === 'app' ? state.appName : t.feedTitle);
    for (const item of document.querySelectorAll('[data-menu]')) {
      const current = /** @type {HTMLElement} */ (item).dataset.menu === view;
      if (current) item.setAttribute('aria-current', 'page');
      else item.removeAttribute('aria-current');
    }
  }

  function renderMarket() {
    const card = $('sim-view-market');
    const installed = state.installState === 'installed';
    const stateText = {
      installed: t.installed,
      installing: t.installing,
      uninstalled: t.uninstalled,
      not_installed: t.notInstalled,
    }[state.installState] ?? state.installState;
    const actions = el('div', { class: 'b24-market-actions' });
    if (installed) {
      const open = el('button', { type: 'button', class: 'b24-btn', 'data-testid': 'portal-open-app', text: t.open });
      open.addEventListener('click', () => void openFrame('DEFAULT'));
      actions.append(open, ' ');
      if (boot.user.admin) {
        const remove = el('button', { type: 'button', class: 'b24-btn b24-btn-light', 'data-testid': 'portal-uninstall', text: t.uninstall });
        remove.addEventListener('click', () => void uninstallDialog());
        actions.append(remove);
      }
    } else {
      const install = el('button', { type: 'button', class: 'b24-btn', 'data-testid': 'portal-install', text: t.install, disabled: !boot.user.admin });
      install.addEventListener('click', () => void openFrame(undefined));
      actions.append(install);
    }
    card.replaceChildren(
      el('div', { class: 'b24-market-app', 'data-testid': 'portal-market-app', 'data-install-state': state.installState }, [
        el('div', { class: 'b24-market-icon', 'aria-hidden': 'true', text: (state.appName[0] || '?').toUpperCase() }),
        el('div', { class: 'b24-market-body' }, [
          el('div', { class: 'b24-market-name', 'data-testid': 'portal-market-app-name', text: state.appName }),
          el('div', { class: 'b24-market-state', 'data-testid': 'portal-install-state', text: stateText }),
        ]),
        actions,
      ]),
    );
    if (!installed && !boot.user.admin) card.append(el('p', { class: 'b24-note', text: t.onlyAdmins }));
  }

  async function refreshState() {
    const s = await api('/_sim/shell/state');
    state.installState = s.installState;
    state.appName = s.appName;
    renderMenu();
    if (!$('sim-view-market').hidden) renderMarket();
  }

  // ---------------------------------------------------------------- the frame

  function closeFrame() {
    state.opening = null;
    state.frame = null;
    $('sim-frame-slot').replaceChildren();
  }

  /**
   * Opens the install page (placement undefined: the portal decides) or the app page.
   * @param {'DEFAULT' | 'INSTALL' | undefined} placement
   */
  async function openFrame(placement) {
    showView('app');
    try {
      loadOpening(await api('/_sim/shell/open', { userId: boot.user.id, placement, lang: boot.langExplicit ? boot.lang : undefined }));
    } catch (err) {
      showError(`openFrame: ${/** @type {Error} */ (err).message}`);
    }
  }

  /**
   * What Bitrix24 does: a POST form submitted into an iframe named DOMAIN|PROTOCOL|APP_SID.
   * @param {FrameOpening} opening
   */
  function loadOpening(opening) {
    showView('app');
    opening = { ...opening, appOrigin: new URL(opening.appOrigin).origin };
    // A fresh iframe per opening: the browsing-context name must carry the new APP_SID.
    const iframe = /** @type {HTMLIFrameElement} */ (el('iframe', {
      name: opening.frameName,
      title: state.appName,
      'data-testid': 'portal-app-frame',
      'data-app-sid': opening.appSid,
    }));
    $('sim-frame-slot').replaceChildren(iframe);
    state.opening = opening;
    state.frame = iframe;
    const form = /** @type {HTMLFormElement} */ (el('form', { method: 'POST', action: opening.action, target: opening.frameName, hidden: true }));
    for (const [name, value] of Object.entries(opening.fields)) {
      form.append(el('input', { type: 'hidden', name, value }));
    }
    document.body.append(form);
    form.submit();
    form.remove();
  }

  /**
   * `command:JSON:callbackKey:appSid` (the JSON may contain ':' and is absent when there are no params)
   * or, for command names containing ':', `{method, params, callback, appSid}`.
   * @param {unknown} data
   * @returns {FrameMessage | null}
   */
  function parseMessage(data) {
    if (typeof data === 'string') {
      const parts = data.split(':');
      if (parts.length < 3) return null;
      const appSid = /** @type {string} */ (parts.pop());
      const callback = /** @type {string} */ (parts.pop());
      const command = /** @type {string} */ (parts.shift());
      const raw = parts.join(':');
      let params = null;
      if (raw !== '') {
        try { params = JSON.parse(raw); } catch { params = raw; }
      }
      return { command, params, callback, appSid };
    }
    if (data && typeof data === 'object') {
      const o = /** @type {Record<string, unknown>} */ (data);
      if (typeof o.method !== 'string' || typeof o.callback !== 'string' || typeof o.appSid !== 'string') return null;
      return { command: o.method, params: o.params === '' ? null : o.params, callback: o.callback, appSid: o.appSid };
    }
    return null;
  }

  window.addEventListener('message', (event) => {
    const { opening, frame } = state;
    if (!opening || !frame || event.source !== frame.contentWindow || event.origin !== opening.appOrigin) return;
    const msg = parseMessage(event.data);
    if (!msg || msg.appSid !== opening.appSid || !msg.command || !msg.callback) return;
    void handle(msg, /** @type {Window} */ (event.source), opening);
  });

  const RELAYED = new Set(['getInitData', 'refreshAuth', 'setInstall', 'setAppOption', 'setUserOption', 'getInterface']);

  /** @param {FrameMessage} msg @param {Window} source @param {FrameOpening} opening */
  async function handle(msg, source, opening) {
    /** @type {LogEntry} */
    const entry = { at: Date.now(), command: msg.command, params: msg.params, answered: false };
    state.log.push(entry);
    /** @param {unknown} [value] undefined = the empty answer (the SDK resolves it as '') */
    const reply = (value) => {
      if (state.opening !== opening) return;
      source.postMessage(`${msg.callback}:${value === undefined ? '' : JSON.stringify(value)}`, opening.appOrigin);
      entry.answered = true;
      entry.answer = value;
    };
    const relay = async () => {
      const r = await api('/_sim/shell/command', { appSid: opening.appSid, command: msg.command, params: msg.params });
      return r.result;
    };
    try {
      if (RELAYED.has(msg.command)) {
        reply(await relay());
        return;
      }
      switch (msg.command) {
        case 'setInstallFinish': {
          // Bitrix24 never answers this one: it reloads the frame into the app page.
          const result = await relay();
          await refreshState();
          if (state.opening !== opening) return;
          if (result && typeof result === 'object' && result.opening && typeof result.opening.action === 'string') loadOpening(result.opening);
          else await openFrame('DEFAULT');
          return;
        }
        case 'resizeWindow': {
          // BX.rest.AppLayout (rest module, install/js/rest/applayout.js): width '100%' or an integer
          // (100 when unreadable) in px, height an integer in px when non-zero; answers the frame's size.
          const frame = state.frame;
          if (!frame) return;
          const p = msg.params && typeof msg.params === 'object' ? msg.params : {};
          frame.style.width = p.width === '100%' ? '100%' : `${parseInt(p.width, 10) || 100}px`;
          const height = parseInt(p.height, 10);
          if (height) frame.style.height = `${height}px`;
          const box = frame.getBoundingClientRect();
          reply({ width: box.width, height: box.height });
          return;
        }
        case 'setTitle':
          // applayout.js: BX.ajax.UpdatePageTitle(params.title) (the page heading), then answers its params.
          $('pagetitle').textContent = String(msg.params?.title ?? '');
          reply(msg.params ?? []);
          return;
        case 'setScroll':
          window.scrollTo(0, Number(msg.params?.scroll) || 0);
          reply();
          return;
        case 'reloadWindow':
          reply();
          location.reload();
          return;
        case 'selectUser': {
          const mult = msg.params?.mult === true;
          await picker(msg.command, entry, reply, () => selectUserDialog(mult));
          return;
        }
        case 'selectAccess': {
          const blocked = Array.isArray(msg.params?.value) ? msg.params.value.map(String) : [];
          await picker(msg.command, entry, reply, () => selectAccessDialog(blocked));
          return;
        }
        default:
          reply();
      }
    } catch (err) {
      entry.error = /** @type {Error} */ (err).message;
      showError(`${msg.command}: ${entry.error}`);
    }
  }

  // ---------------------------------------------------------------- dialogs

  /** What a dialog resolves with when it is closed without a pick. */
  const CANCELLED = Symbol('cancelled');

  /**
   * selectUser / selectAccess as BX.rest.AppLayout runs them (rest module, install/js/rest/applayout.js):
   * the callback is called on a pick only, so a cancelled dialog answers nothing, ever; a request while
   * the same dialog is open takes over its answer (the earlier one is never answered). A request while
   * another dialog is open gets no answer either (the portal would open a second popup; the shell has
   * one modal at a time).
   * @param {string} command @param {LogEntry} entry @param {(value: unknown) => void} reply
   * @param {() => Promise<unknown>} open
   */
  async function picker(command, entry, reply, open) {
    if (state.picker) {
      if (state.picker.command === command) state.picker = { command, reply, entry };
      return;
    }
    if (state.dialogOpen) return;
    state.picker = { command, reply, entry };
    let value;
    try {
      value = await open();
    } finally {
      const current = state.picker;
      state.picker = null;
      if (current && value !== undefined) {
        if (value === CANCELLED) current.entry.cancelled = true;
        else current.reply(value);
      }
    }
  }

  /**
   * A modal with an accessible name, focus kept inside, Escape = cancel.
   * @param {string} label @param {string} testid @param {() => void} onCancel
   */
  function openModal(label, testid, onCancel) {
    const previous = /** @type {HTMLElement | null} */ (document.activeElement);
    const body = el('div', { class: 'sim-dialog-body' });
    const foot = el('div', { class: 'sim-dialog-foot' });
    const x = el('button', { type: 'button', class: 'sim-dialog-x', 'aria-label': t.close, 'data-testid': `${testid}-close`, text: '×' });
    const dialog = el('div', { class: 'sim-dialog', role: 'dialog', 'aria-modal': 'true', 'aria-label': label, 'data-testid': testid, tabindex: '-1' }, [
      el('div', { class: 'sim-dialog-head' }, [el('h2', { text: label }), x]),
      body,
      foot,
    ]);
    const overlay = el('div', { class: 'sim-overlay' }, [dialog]);
    $('sim-modal-root').append(overlay);
    state.dialogOpen = true;
    const close = () => {
      overlay.remove();
      state.dialogOpen = false;
      if (previous && document.contains(previous)) previous.focus();
    };
    x.addEventListener('click', onCancel);
    overlay.addEventListener('mousedown', (e) => { if (e.target === overlay) onCancel(); });
    dialog.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        onCancel();
      } else if (e.key === 'Tab') {
        const focusable = /** @type {HTMLElement[]} */ ([...dialog.querySelectorAll('button, input, select, [tabindex="0"]')])
          .filter((n) => !(/** @type {HTMLInputElement} */ (n).disabled) && n.offsetParent !== null);
        const first = focusable[0];
        const last = focusable[focusable.length - 1];
        if (!first || !last) return;
        if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
        else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
      }
    });
    return { dialog, body, foot, close };
  }

  /** @param {string} testid */
  function footerButtons(testid, /** @type {() => void} */ onOk, /** @type {() => void} */ onCancel, okText = t.select) {
    const count = el('span', { class: 'sim-count', 'data-testid': `${testid}-count`, 'aria-live': 'polite' });
    const ok = /** @type {HTMLButtonElement} */ (el('button', { type: 'button', class: 'b24-btn', 'data-testid': `${testid}-ok`, text: okText }));
    const cancel = el('button', { type: 'button', class: 'b24-btn b24-btn-light', 'data-testid': `${testid}-cancel`, text: t.cancel });
    ok.addEventListener('click', onOk);
    cancel.addEventListener('click', onCancel);
    return { count, ok, cancel };
  }

  /**
   * selectUser: `mult` -> SelectedUser[]; single -> SelectedUser; CANCELLED when closed without a pick.
   * @param {boolean} mult
   * @returns {Promise<SelectedUser[] | SelectedUser | typeof CANCELLED>}
   */
  function selectUserDialog(mult) {
    return new Promise((resolve) => {
      /** @type {Map<string, SelectedUser>} */
      const selected = new Map();
      const testid = 'sim-user-dialog';
      const finish = (/** @type {SelectedUser[] | SelectedUser | typeof CANCELLED} */ value) => { modal.close(); resolve(value); };
      const cancel = () => finish(CANCELLED);
      const modal = openModal(mult ? t.selectUsers : t.selectUser, testid, cancel);
      modal.dialog.dataset.mult = String(mult);
      const search = /** @type {HTMLInputElement} */ (el('input', { type: 'search', class: 'sim-search', 'aria-label': t.searchEmployees, placeholder: t.searchEmployees, 'data-testid': 'sim-user-search' }));
      const list = el('ul', { class: 'sim-options', 'aria-label': t.tabEmployees, 'data-testid': 'sim-user-options' });
      const chips = el('div', { class: 'sim-chips', 'data-testid': 'sim-user-selected' });
      modal.body.append(search, list, chips);
      const buttons = footerButtons(testid, () => {
        const users = [...selected.values()];
        if (users.length > 0) finish(mult ? users : /** @type {SelectedUser} */ (users[0]));
      }, cancel);
      modal.foot.append(buttons.count, buttons.ok, buttons.cancel);

      const sync = () => {
        buttons.count.textContent = `${t.selected}: ${selected.size}`;
        buttons.ok.disabled = selected.size === 0;
        chips.replaceChildren(...[...selected.values()].map((u) => el('span', { class: 'sim-chip', text: u.name })));
      };
      let seq = 0;
      const load = async () => {
        const mine = ++seq;
        const q = encodeURIComponent(search.value.trim());
        const data = await api(`/_sim/shell/directory/users?q=${q}&limit=50&user=${boot.user.id}`);
        if (mine !== seq) return;
        list.replaceChildren();
        if (data.users.length === 0) list.append(el('li', { class: 'sim-empty', text: t.nothingFound }));
        for (const /** @type {SelectedUser} */ u of data.users) {
          const input = /** @type {HTMLInputElement} */ (el('input', {
            type: mult ? 'checkbox' : 'radio',
            name: 'sim-user-pick',
            value: u.id,
            'aria-label': u.name,
            'data-testid': `sim-user-option-${u.id}`,
            checked: selected.has(u.id),
          }));
          input.addEventListener('change', () => {
            if (!mult) selected.clear();
            if (input.checked) selected.set(u.id, u);
            else selected.delete(u.id);
            sync();
          });
          list.append(el('li', {}, [el('label', { class: 'sim-option' }, [
            input,
            avatar(u.name, u.photo),
            el('span', { class: 'sim-option-text' }, [el('span', { text: u.name }), el('span', { class: 'sim-option-sub', text: u.position })]),
          ])]));
        }
      };
      /** @type {number | undefined} */
      let timer;
      search.addEventListener('input', () => {
        clearTimeout(timer);
        timer = window.setTimeout(() => void load().catch((e) => showError(String(e))), 150);
      });
      search.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') { e.preventDefault(); clearTimeout(timer); void load(); }
      });
      sync();
      void load().catch((e) => showError(String(e)));
      search.focus();
    });
  }

  /**
   * selectAccess: [{id, name}] with ids AU, U<id>, D<id>, DR<id>, SG<id>; `blocked` codes cannot be picked.
   * "Select" answers even with nothing picked ([]), as BX.Access does; closing otherwise is CANCELLED.
   * @param {string[]} blocked
   * @returns {Promise<Array<{ id: string, name: string }> | typeof CANCELLED>}
   */
  function selectAccessDialog(blocked) {
    return new Promise((resolve) => {
      const blockedSet = new Set(blocked);
      /** @type {Map<string, string>} */
      const selected = new Map();
      const testid = 'sim-access-dialog';
      const finish = (/** @type {Array<{ id: string, name: string }> | typeof CANCELLED} */ value) => { modal.close(); resolve(value); };
      const modal = openModal(t.selectAccess, testid, () => finish(CANCELLED));
      const chips = el('div', { class: 'sim-chips', 'data-testid': 'sim-access-selected' });
      const buttons = footerButtons(testid, () => finish([...selected].map(([id, name]) => ({ id, name }))), () => finish(CANCELLED));
      modal.foot.append(buttons.count, buttons.ok, buttons.cancel);
      const sync = () => {
        buttons.count.textContent = `${t.selected}: ${selected.size}`;
        chips.replaceChildren(...[...selected].map(([code, name]) => el('span', { class: 'sim-chip', 'data-code': code, text: `${name} (${code})` })));
      };

      /** @param {string} code @param {string} name @param {string} label */
      const checkbox = (code, name, label) => {
        const input = /** @type {HTMLInputElement} */ (el('input', {
          type: 'checkbox',
          value: code,
          'aria-label': label,
          'data-testid': `sim-access-option-${code}`,
          checked: selected.has(code),
          disabled: blockedSet.has(code),
        }));
        input.addEventListener('change', () => {
          if (input.checked) selected.set(code, name);
          else selected.delete(code);
          sync();
        });
        return input;
      };

      const tabs = [
        { key: 'users', label: t.tabEmployees },
        { key: 'departments', label: t.tabDepartments },
        { key: 'groups', label: t.tabGroups },
      ];
      const tablist = el('div', { class: 'sim-tabs', role: 'tablist', 'aria-label': t.selectAccess });
      /** @type {Record<string, HTMLElement>} */
      const panels = {};
      /** @type {HTMLElement[]} */
      const tabButtons = [];
      const activate = (/** @type {number} */ i, focus = false) => {
        tabs.forEach((tab, j) => {
          tabButtons[j]?.setAttribute('aria-selected', String(i === j));
          tabButtons[j]?.setAttribute('tabindex', i === j ? '0' : '-1');
          const panel = panels[tab.key];
          if (panel) panel.hidden = i !== j;
        });
        if (focus) tabButtons[i]?.focus();
      };
      tabs.forEach((tab, i) => {
        const btn = el('button', { type: 'button', class: 'sim-tab', role: 'tab', id: `sim-access-tab-${tab.key}`, 'aria-controls': `sim-access-panel-${tab.key}`, 'data-testid': `sim-access-tab-${tab.key}`, text: tab.label });
        btn.addEventListener('click', () => activate(i));
        btn.addEventListener('keydown', (e) => {
          if (e.key === 'ArrowRight') { e.preventDefault(); activate((i + 1) % tabs.length, true); }
          if (e.key === 'ArrowLeft') { e.preventDefault(); activate((i + tabs.length - 1) % tabs.length, true); }
        });
        tabButtons.push(btn);
        tablist.append(btn);
        panels[tab.key] = el('div', { role: 'tabpanel', id: `sim-access-panel-${tab.key}`, 'aria-labelledby': `sim-access-tab-${tab.key}`, 'data-testid': `sim-access-panel-${tab.key}` });
      });
      modal.body.append(tablist, ...Object.values(panels), chips);

      // Employees (and everyone)
      const usersPanel = /** @type {HTMLElement} */ (panels.users);
      const everyone = el('ul', { class: 'sim-options' }, [el('li', {}, [el('label', { class: 'sim-option' }, [
        checkbox('AU', t.allAuthorized, t.allAuthorized), el('span', { text: t.allAuthorized }),
      ])])]);
      const search = /** @type {HTMLInputElement} */ (el('input', { type: 'search', class: 'sim-search', 'aria-label': t.searchEmployees, placeholder: t.searchEmployees, 'data-testid': 'sim-access-search' }));
      const userList = el('ul', { class: 'sim-options' });
      usersPanel.append(everyone, search, userList);
      let seq = 0;
      const loadUsers = async () => {
        const mine = ++seq;
        const data = await api(`/_sim/shell/directory/users?q=${encodeURIComponent(search.value.trim())}&limit=50&user=${boot.user.id}`);
        if (mine !== seq) return;
        userList.replaceChildren();
        if (data.users.length === 0) userList.append(el('li', { class: 'sim-empty', text: t.nothingFound }));
        for (const /** @type {SelectedUser} */ u of data.users) {
          const code = `U${u.id}`;
          userList.append(el('li', {}, [el('label', { class: `sim-option${blockedSet.has(code) ? ' sim-option-disabled' : ''}` }, [
            checkbox(code, u.name, u.name), avatar(u.name, u.photo),
            el('span', { class: 'sim-option-text' }, [el('span', { text: u.name }), el('span', { class: 'sim-option-sub', text: u.position })]),
          ])]));
        }
      };
      /** @type {number | undefined} */
      let timer;
      search.addEventListener('input', () => {
        clearTimeout(timer);
        timer = window.setTimeout(() => void loadUsers().catch((e) => showError(String(e))), 150);
      });
      search.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') { e.preventDefault(); clearTimeout(timer); void loadUsers(); }
      });

      // Departments: D<id> the department itself, DR<id> with its sub-departments
      const deptPanel = /** @type {HTMLElement} */ (panels.departments);
      void api('/_sim/shell/directory/departments').then((data) => {
        const list = el('ul', { class: 'sim-options' });
        for (const d of data.departments) {
          list.append(el('li', { class: 'sim-dept', style: `padding-left:${4 + d.depth * 18}px`, 'data-testid': `sim-access-dept-${d.id}` }, [
            el('span', { class: 'sim-dept-name', text: `${d.name} (${d.members} ${t.members})` }),
            el('label', {}, [checkbox(`D${d.id}`, d.name, `${d.name}: ${t.department}`), t.department]),
            el('label', {}, [checkbox(`DR${d.id}`, d.name, `${d.name}: ${t.withSubdepartments}`), t.withSubdepartments]),
          ]));
        }
        if (data.departments.length === 0) list.append(el('li', { class: 'sim-empty', text: t.nothingFound }));
        deptPanel.append(list);
      }).catch((e) => showError(String(e)));

      // Workgroups
      const groupPanel = /** @type {HTMLElement} */ (panels.groups);
      void api('/_sim/shell/directory/groups').then((data) => {
        const list = el('ul', { class: 'sim-options' });
        for (const g of data.groups) {
          const code = `SG${g.id}`;
          list.append(el('li', {}, [el('label', { class: `sim-option${blockedSet.has(code) ? ' sim-option-disabled' : ''}` }, [
            checkbox(code, g.name, g.name),
            el('span', { class: 'sim-option-text' }, [el('span', { text: g.name }), el('span', { class: 'sim-option-sub', text: `${g.members} ${t.members}` })]),
          ])]));
        }
        if (data.groups.length === 0) list.append(el('li', { class: 'sim-empty', text: t.nothingFound }));
        groupPanel.append(list);
      }).catch((e) => showError(String(e)));

      activate(0);
      sync();
      void loadUsers().catch((e) => showError(String(e)));
      tabButtons[0]?.focus();
    });
  }

  function uninstallDialog() {
    if (state.dialogOpen) return;
    const testid = 'sim-uninstall-dialog';
    const modal = openModal(t.uninstallTitle, testid, () => modal.close());
    const clean = /** @type {HTMLInputElement} */ (el('input', { type: 'checkbox', 'data-testid': 'sim-uninstall-clean' }));
    modal.body.append(el('p', { text: state.appName }), el('label', { class: 'sim-option' }, [clean, t.uninstallClean]));
    const buttons = footerButtons(testid, async () => {
      buttons.ok.disabled = true;
      try {
        await api('/_sim/shell/uninstall', { clean: clean.checked });
      } catch (err) {
        showError(`uninstall: ${/** @type {Error} */ (err).message}`);
      }
      modal.close();
      closeFrame();
      await refreshState().catch(() => undefined);
      showView('market');
    }, () => modal.close(), t.confirm);
    buttons.ok.classList.add('b24-btn-danger');
    modal.foot.append(buttons.count, buttons.ok, buttons.cancel);
    clean.focus();
  }

  // ---------------------------------------------------------------- start

  initTopBar();
  renderMenu();
  if (boot.openOnLoad && state.installState === 'installed') void openFrame('DEFAULT');
  else showView('feed');
})();
