// @ts-check
// Helpers the shell's modules (and the phone page's phone.js) share: element lookup and creation, the
// shell's JSON endpoints (/_sim/shell/…), the error banner, and avatars.

export const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * @param {string} tag
 * @param {Record<string, string | boolean | number | undefined | null>} [attrs]
 * @param {Array<Node | string | null | undefined | false>} [children]
 */
export function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') node.textContent = String(v);
    else if (k === 'class') node.className = String(v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c) node.append(c);
  return node;
}

/** @param {string} path @param {unknown} [body] */
export async function api(path, body) {
  const init = body === undefined
    ? { cache: /** @type {RequestCache} */ ('no-store') }
    : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  const res = await fetch(path, init);
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = new Error(data.error_description || data.error || res.statusText);
    /** @type {any} */ (err).code = data.error;
    throw err;
  }
  return data;
}

export function showError(/** @type {string} */ text) {
  const main = document.querySelector('.b24-main');
  if (!main) return;
  const box = el('div', { class: 'b24-error', role: 'alert', 'data-testid': 'portal-error', text });
  main.insertBefore(box, main.children[1] ?? null);
}

/** Images only from this machine: the simulator never reaches outside loopback. */
export function isLocalUrl(/** @type {string} */ url) {
  if (!url) return false;
  try {
    const u = new URL(url, location.href);
    if (u.protocol === 'data:') return true;
    return (u.protocol === 'http:' || u.protocol === 'https:') && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  } catch {
    return false;
  }
}

export function avatar(/** @type {string} */ name, /** @type {string} */ photo, /** @type {string} */ testid = '') {
  const initials = name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0]).join('').toUpperCase();
  const box = el('span', { class: 'sim-avatar', 'aria-hidden': 'true', 'data-testid': testid || undefined, 'data-src': photo || undefined });
  if (isLocalUrl(photo)) box.append(el('img', { src: photo, alt: '' }));
  else box.textContent = initials || '?';
  return box;
}
