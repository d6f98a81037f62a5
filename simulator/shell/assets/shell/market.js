// @ts-check
// The Market card: the app's install state and its actions (install, open, uninstall), and the
// install state fetched again from the portal after the frame or the uninstall dialog changed it.
import { boot, state, t } from './state.js';
import { $, api, el } from './dom.js';
import { openFrame } from './frame.js';
import { renderMenu } from './menu.js';
import { uninstallDialog } from './uninstallDialog.js';

export function renderMarket() {
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

export async function refreshState() {
  const s = await api('/_sim/shell/state');
  state.installState = s.installState;
  state.appName = s.appName;
  renderMenu();
  if (!$('sim-view-market').hidden) renderMarket();
}
