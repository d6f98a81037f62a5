// @ts-check
// The selectUser dialog (selectUsers with `mult`): employees searched by name, one or several picked.
import { t } from './state.js';
import { el, showError } from './dom.js';
import { searchEmployees } from './employeeSearch.js';
import { CANCELLED, footerButtons, openModal } from './modal.js';

/** @typedef {import('./state.js').SelectedUser} SelectedUser */

/**
 * selectUser: `mult` -> SelectedUser[]; single -> SelectedUser; CANCELLED when closed without a pick.
 * @param {boolean} mult
 * @returns {Promise<SelectedUser[] | SelectedUser | typeof CANCELLED>}
 */
export function selectUserDialog(mult) {
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
    const load = searchEmployees(search, list, (u) => {
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
      return input;
    });
    sync();
    void load().catch((e) => showError(String(e)));
    search.focus();
  });
}
