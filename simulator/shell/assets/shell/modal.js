// @ts-check
// The dialogs' frame: a modal with an accessible name, focus kept inside, Escape / × / a click outside
// = cancel; its footer buttons; and what a dialog resolves with when it is closed without a pick.
import { state, t } from './state.js';
import { $, el } from './dom.js';

/** What a dialog resolves with when it is closed without a pick. */
export const CANCELLED = Symbol('cancelled');

/**
 * A modal with an accessible name, focus kept inside, Escape = cancel.
 * @param {string} label @param {string} testid @param {() => void} onCancel
 */
export function openModal(label, testid, onCancel) {
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
export function footerButtons(testid, /** @type {() => void} */ onOk, /** @type {() => void} */ onCancel, okText = t.select) {
  const count = el('span', { class: 'sim-count', 'data-testid': `${testid}-count`, 'aria-live': 'polite' });
  const ok = /** @type {HTMLButtonElement} */ (el('button', { type: 'button', class: 'b24-btn', 'data-testid': `${testid}-ok`, text: okText }));
  const cancel = el('button', { type: 'button', class: 'b24-btn b24-btn-light', 'data-testid': `${testid}-cancel`, text: t.cancel });
  ok.addEventListener('click', onOk);
  cancel.addEventListener('click', onCancel);
  return { count, ok, cancel };
}
