// @ts-check
// The uninstall dialog of the Market card (admins only): uninstall, optionally with the app's data
// cleared, then the Market card again.
import { state, t } from './state.js';
import { api, el, showError } from './dom.js';
import { closeFrame } from './frame.js';
import { refreshState } from './market.js';
import { showView } from './menu.js';
import { footerButtons, openModal } from './modal.js';

export function uninstallDialog() {
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
