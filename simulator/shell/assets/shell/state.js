// @ts-check
// What the portal page knows: the server's boot data (user, language, strings, install state), the shell's
// own state (the open frame, the open dialog, the frame-protocol log), and the read-only view of it
// that end-to-end tests read (`window.__simShell`).

/**
 * @typedef {{ action: string, fields: Record<string, string>, frameName: string, appSid: string, appOrigin: string }} FrameOpening
 * @typedef {{ command: string, params: any, callback: string, appSid: string }} FrameMessage
 * @typedef {{ at: number, command: string, params: any, answered: boolean, answer?: any, error?: string, cancelled?: boolean }} LogEntry
 * @typedef {{ id: string, name: string, photo: string, position: string, url: string, sub: boolean, sup: boolean }} SelectedUser
 */

const bootEl = /** @type {HTMLElement} */ (document.getElementById('sim-boot'));
export const boot = JSON.parse(bootEl.textContent || '{}');
/** @type {Record<string, string>} */
export const t = boot.t;

export const state = {
  installState: /** @type {string} */ (boot.installState),
  appName: /** @type {string} */ (boot.appName),
  /** @type {FrameOpening | null} */ opening: null,
  /** @type {HTMLIFrameElement | null} */ frame: null,
  dialogOpen: false,
  /**
   * The open selectUser / selectAccess dialog and whom its pick answers: the portal keeps one callback
   * per dialog, so a request made while it is open takes the answer over.
   * @type {{ command: string, reply: (value: unknown) => void, entry: LogEntry } | null}
   */
  picker: null,
  /** @type {LogEntry[]} */ log: [],
};

/** Read-only view for end-to-end tests. */
export function exposeForTests() {
  Object.defineProperty(window, '__simShell', {
    value: Object.freeze({
      get log() { return state.log.map((e) => ({ ...e })); },
      get opening() { return state.opening; },
      get installState() { return state.installState; },
    }),
  });
}
