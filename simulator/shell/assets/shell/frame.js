// @ts-check
// The app's iframe: an opening asked of the portal (install page or app page) and loaded as Bitrix24
// loads it, a POST form submitted into a fresh iframe.
import { boot, state } from './state.js';
import { $, api, el, showError } from './dom.js';
import { showView } from './menu.js';

/** @typedef {import('./state.js').FrameOpening} FrameOpening */

export function closeFrame() {
  state.opening = null;
  state.frame = null;
  $('sim-frame-slot').replaceChildren();
}

/**
 * Opens the install page (placement undefined: the portal decides) or the app page.
 * @param {'DEFAULT' | 'INSTALL' | undefined} placement
 */
export async function openFrame(placement) {
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
export function loadOpening(opening) {
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
