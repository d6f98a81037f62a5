// @ts-check
// The employee search both pickers show (selectUser, and selectAccess's Employees tab): a search box whose
// options are refreshed as the user types.
import { boot, t } from './state.js';
import { api, avatar, el, showError } from './dom.js';

/** @typedef {import('./state.js').SelectedUser} SelectedUser */

/**
 * Fills `list` with the employees matching `search` (150 ms after the last keystroke, at once on Enter;
 * an answer overtaken by a newer search is dropped), one option per employee around the input that
 * `inputFor` makes for them. Returns the loader, for the first fill.
 * @param {HTMLInputElement} search
 * @param {HTMLElement} list
 * @param {(user: SelectedUser) => HTMLInputElement} inputFor
 * @returns {() => Promise<void>}
 */
export function searchEmployees(search, list, inputFor) {
  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    const q = encodeURIComponent(search.value.trim());
    const data = await api(`/_sim/shell/directory/users?q=${q}&limit=50&user=${boot.user.id}`);
    if (mine !== seq) return;
    list.replaceChildren();
    if (data.users.length === 0) list.append(el('li', { class: 'sim-empty', text: t.nothingFound }));
    for (const /** @type {SelectedUser} */ u of data.users) {
      const input = inputFor(u);
      list.append(el('li', {}, [el('label', { class: `sim-option${input.disabled ? ' sim-option-disabled' : ''}` }, [
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
  return load;
}
