// @ts-check
// The "phone": pushes received (pull.application.push.add), newest first, polled every second.
import { $, el, isLocalUrl } from './shell/dom.js';

/**
 * @typedef {{ seq: number, at: number, userId: number, title: string, text: string, avatar: string, senderId: number,
 *   devices: { ios: string | null, android: string | null }, recipientName: string, delivered: boolean }} PushView
 */

const boot = JSON.parse(/** @type {HTMLElement} */ (document.getElementById('sim-boot')).textContent || '{}');
/** @type {Record<string, string>} */
const t = boot.t;
const list = $('phone-list');
const userSelect = /** @type {HTMLSelectElement} */ ($('phone-user'));
/** @type {number | null} */
const userId = boot.userId;
let lastKey = '';
let lastRecipients = '';

userSelect.addEventListener('change', () => {
  const url = new URL(location.href);
  if (userSelect.value) url.searchParams.set('user', userSelect.value);
  else url.searchParams.delete('user');
  location.assign(url.toString());
});

const pad = (/** @type {number} */ n) => String(n).padStart(2, '0');
const clock = (/** @type {number} */ ms) => {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
};

/** @param {PushView} p */
function pushItem(p) {
  // The avatar is shown only when it is served from this machine: the simulator never leaves loopback.
  const avatar = el('span', { class: 'sim-avatar', 'data-testid': 'push-avatar', 'data-src': p.avatar || '', 'aria-hidden': 'true' });
  if (isLocalUrl(p.avatar)) avatar.append(el('img', { src: p.avatar, alt: '' }));
  else avatar.textContent = (p.title.trim()[0] || '•').toUpperCase();
  // On the device newlines become spaces.
  const text = p.text.replace(/\r?\n/g, ' ');
  return el('li', {
    class: `push${p.delivered ? '' : ' push-undelivered'}`,
    'data-testid': 'push',
    'data-seq': String(p.seq),
    'data-user-id': String(p.userId),
    'data-delivered': String(p.delivered),
    'aria-label': `${p.title}: ${text}`,
  }, [
    avatar,
    el('div', { class: 'push-main' }, [
      el('div', { class: 'push-top' }, [
        el('span', { class: 'push-title', 'data-testid': 'push-title', text: p.title }),
        el('time', { class: 'push-time', 'data-testid': 'push-time', datetime: new Date(p.at).toISOString(), text: clock(p.at) }),
      ]),
      ...(userId === null ? [el('div', { class: 'push-to', 'data-testid': 'push-recipient', text: `→ ${p.recipientName} (#${p.userId})` })] : []),
      el('div', { class: 'push-text', 'data-testid': 'push-text', 'data-text': p.text, text }),
      deviceLine('ios', 'iPhone', p.devices.ios, p.text),
      deviceLine('android', 'Android', p.devices.android, p.text),
    ]),
  ]);
}

/**
 * What one kind of phone shows of the push by the core's payload rules (simulator/pushDevices.ts); `null`
 * is a push that never arrived on that kind of phone.
 * @param {'ios' | 'android'} device @param {string} name @param {string | null} shown @param {string} sent
 */
function deviceLine(device, name, shown, sent) {
  return el('div', {
    class: 'push-to push-device',
    'data-testid': `push-${device}`,
    'data-arrived': String(shown !== null),
    'data-whole': String(shown === sent),
  }, [
    el('span', { text: `${name}: ` }),
    el('span', { 'data-testid': `push-${device}-text`, 'data-text': shown ?? '', text: shown === null ? t.phoneNothingArrived : shown.replace(/\r?\n/g, ' ') }),
  ]);
}

/** @param {Array<{ id: number, name: string }>} recipients @param {{ id: number, name: string } | null} user */
function renderRecipients(recipients, user) {
  const all = user && !recipients.some((r) => r.id === user.id) ? [user, ...recipients] : recipients;
  const key = JSON.stringify(all);
  if (key === lastRecipients) return;
  lastRecipients = key;
  userSelect.replaceChildren(el('option', { value: '', text: t.phoneAllUsers }));
  for (const r of all) {
    const opt = el('option', { value: String(r.id), text: `${r.name} (#${r.id})` });
    if (r.id === userId) opt.setAttribute('selected', '');
    userSelect.append(opt);
  }
}

async function poll() {
  try {
    const res = await fetch(`/_sim/shell/pushes${userId === null ? '' : `?user=${userId}`}`, { cache: 'no-store' });
    if (!res.ok) return;
    const data = await res.json();
    renderRecipients(data.recipients, data.user);
    /** @type {PushView[]} */
    const pushes = userId !== null && !data.pushEnabled ? [] : data.pushes;
    $('phone-disabled').hidden = userId === null || data.pushEnabled;
    const key = pushes.map((p) => p.seq).join(',');
    if (key !== lastKey) {
      lastKey = key;
      list.replaceChildren(...pushes.map(pushItem));
    }
    $('phone-empty').hidden = pushes.length > 0 || (userId !== null && !data.pushEnabled);
    document.body.dataset.loaded = 'true';
  } catch {
    // the simulator may be restarting; the next tick tries again
  }
}

const tick = () => { $('phone-clock').textContent = clock(Date.now()).slice(0, 5); };
tick();
setInterval(tick, 10_000);
void poll();
setInterval(() => void poll(), 1000);
