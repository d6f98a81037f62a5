// @ts-check
// The left menu (its fixed items, and the app's item once it is installed) and the view it shows in
// the main area: the feed, the Market card or the app's frame.
import { state, t } from './state.js';
import { $, el } from './dom.js';
import { closeFrame, openFrame } from './frame.js';
import { renderMarket } from './market.js';

export function initMenu() {
  for (const item of document.querySelectorAll('[data-menu]')) {
    item.addEventListener('click', () => {
      const which = /** @type {HTMLElement} */ (item).dataset.menu;
      if (which === 'market') showView('market');
      else if (which === 'app') void openFrame('DEFAULT');
      else showView('feed', /** @type {HTMLElement} */ (item).textContent || '');
    });
  }
}

export function renderMenu() {
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
export function showView(view, title) {
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
