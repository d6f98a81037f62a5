// @ts-check
// The frame protocol of @bitrix24/b24jssdk: messages from the app's frame, answered here where the page
// owns the answer (title, size, scroll, the pickers) and relayed to the simulator where the portal owns
// it (/_sim/shell/command). Every message goes into the log (`window.__simShell.log`).
import { state } from './state.js';
import { $, api, showError } from './dom.js';
import { loadOpening, openFrame } from './frame.js';
import { refreshState } from './market.js';
import { CANCELLED } from './modal.js';
import { selectAccessDialog } from './selectAccessDialog.js';
import { selectUserDialog } from './selectUserDialog.js';

/**
 * @typedef {import('./state.js').FrameOpening} FrameOpening
 * @typedef {import('./state.js').FrameMessage} FrameMessage
 * @typedef {import('./state.js').LogEntry} LogEntry
 */

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

/** Listens to the open frame: messages from elsewhere, or for another opening, are ignored. */
export function listenToFrame() {
  window.addEventListener('message', (event) => {
    const { opening, frame } = state;
    if (!opening || !frame || event.source !== frame.contentWindow || event.origin !== opening.appOrigin) return;
    const msg = parseMessage(event.data);
    if (!msg || msg.appSid !== opening.appSid || !msg.command || !msg.callback) return;
    void handle(msg, /** @type {Window} */ (event.source), opening);
  });
}

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
