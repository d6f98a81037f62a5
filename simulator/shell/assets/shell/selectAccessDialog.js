// @ts-check
// The selectAccess dialog: access codes picked on three tabs (employees and everyone, departments with
// or without their sub-departments, workgroups).
import { t } from './state.js';
import { api, el, showError } from './dom.js';
import { searchEmployees } from './employeeSearch.js';
import { CANCELLED, footerButtons, openModal } from './modal.js';

/**
 * selectAccess: [{id, name}] with ids AU, U<id>, D<id>, DR<id>, SG<id>; `blocked` codes cannot be picked.
 * "Select" answers even with nothing picked ([]), as BX.Access does; closing otherwise is CANCELLED.
 * @param {string[]} blocked
 * @returns {Promise<Array<{ id: string, name: string }> | typeof CANCELLED>}
 */
export function selectAccessDialog(blocked) {
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
    const loadUsers = searchEmployees(search, userList, (u) => checkbox(`U${u.id}`, u.name, u.name));

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
