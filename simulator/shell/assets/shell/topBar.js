// @ts-check
// The top bar: the signed-in user and language switches (each reloads the page with the new choice)
// and the link to the phone page.
import { boot, t } from './state.js';
import { $, el } from './dom.js';

function navigate(/** @type {Record<string, string>} */ changes) {
  const url = new URL(location.href);
  for (const [k, v] of Object.entries(changes)) url.searchParams.set(k, v);
  url.searchParams.delete('open');
  location.assign(url.toString());
}

export function initTopBar() {
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
}
