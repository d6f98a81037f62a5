import { readFile } from 'node:fs/promises';
import express from 'express';
import type { Request, Response } from 'express';
import type { DirectoryUser, SimPortal } from '../contract.js';
import { SHELL_STRINGS, asShellLang, type ShellLang } from './i18n.js';
import { phonePage, portalPage } from './pages.js';
import { ASSETS } from './assets.js';
import {
  departmentTree,
  fullName,
  groupList,
  isEmployee,
  searchEmployees,
  toSelectedUser,
} from './directoryView.js';

/**
 * Optional extras the shell reads from the portal when the implementation offers them (not in contract.ts).
 * `appName`: the app's registered name, shown as the left-menu item and the Market card title.
 */
export interface ShellPortalExtras {
  readonly appName?: string;
}

/** `openFrame` may take the user's interface language (LANG in the handler URL and getInitData); ignored otherwise. */
type OpenFrameWithLang = (userId: number, placement?: 'DEFAULT' | 'INSTALL', opts?: { lang?: string }) => ReturnType<SimPortal['openFrame']>;

const SWITCH_ADMINS = 4;
const SWITCH_OTHERS = 6;

/** The Bitrix24 shell of one portal: portal page, phone page, and the JSON endpoints their scripts use. */
export function createShellRouter(portal: SimPortal): express.Router {
  const router = express.Router();
  const json = express.json({ limit: '1mb' });

  const appName = () => (portal as SimPortal & ShellPortalExtras).appName || 'Application';
  const defaultUser = () =>
    portal.directory.users.find((u) => isEmployee(u) && u.admin) ?? portal.directory.users.find(isEmployee);
  const userFromQuery = (value: unknown): DirectoryUser | undefined => {
    const id = Number(value);
    return Number.isInteger(id) && id > 0 ? portal.directory.user(id) : undefined;
  };
  const langOf = (req: Request): { lang: ShellLang; explicit: boolean } => {
    const asked = asShellLang(req.query.lang);
    return { lang: asked ?? asShellLang(portal.language) ?? 'en', explicit: asked !== undefined };
  };
  const userSummary = (u: DirectoryUser) => ({
    id: u.id,
    name: fullName(u),
    admin: u.admin,
    position: u.position,
    active: u.active,
    pushEnabled: u.pushEnabled,
  });

  router.get(['/', '/portal'], (req, res) => {
    const asked = req.query.user;
    const user = asked === undefined ? defaultUser() : userFromQuery(asked);
    if (!user || !user.active) {
      res.status(404).type('text/plain').send(`No active user ${String(asked ?? '')} on this portal`);
      return;
    }
    const { lang, explicit } = langOf(req);
    const employees = portal.directory.users.filter(isEmployee);
    const switchUsers = [
      ...employees.filter((u) => u.admin).slice(0, SWITCH_ADMINS),
      ...employees.filter((u) => !u.admin).slice(0, SWITCH_OTHERS),
    ];
    if (!switchUsers.some((u) => u.id === user.id)) switchUsers.unshift(user);
    const boot = {
      portal: { label: portal.label, origin: portal.origin, domain: portal.domain, memberId: portal.memberId },
      user: userSummary(user),
      lang,
      langExplicit: explicit,
      appName: appName(),
      installState: portal.installState,
      switchUsers: switchUsers.map(userSummary),
      openOnLoad: req.query.open === 'app',
      t: SHELL_STRINGS[lang],
    };
    res.set('Cache-Control', 'no-store');
    res.type('html').send(
      portalPage({ lang, t: SHELL_STRINGS[lang], portalLabel: portal.label, domain: portal.domain, userName: fullName(user), boot }),
    );
  });

  router.get('/phone', (req, res) => {
    const user = req.query.user === undefined ? undefined : userFromQuery(req.query.user);
    if (req.query.user !== undefined && !user) {
      res.status(404).type('text/plain').send(`No user ${String(req.query.user)} on this portal`);
      return;
    }
    const { lang } = langOf(req);
    const boot = { userId: user?.id ?? null, lang, t: SHELL_STRINGS[lang], portalLabel: portal.label };
    res.set('Cache-Control', 'no-store');
    res.type('html').send(phonePage({ lang, t: SHELL_STRINGS[lang], portalLabel: portal.label, boot }));
  });

  router.get(['/_sim/shell/assets/:file', '/_sim/shell/assets/:folder/:file'], async (req, res) => {
    const { folder, file } = req.params as { folder?: string; file: string };
    const asset = folder === undefined ? file : `${folder}/${file}`;
    const type = Object.hasOwn(ASSETS, asset) ? ASSETS[asset] : undefined;
    if (!type) {
      res.status(404).end();
      return;
    }
    const body = await readFile(new URL(`./assets/${asset}`, import.meta.url));
    res.set('Cache-Control', 'no-store').type(type).send(body);
  });

  router.get('/_sim/shell/state', (_req, res) => {
    res.json({ installState: portal.installState, appName: appName() });
  });

  router.post('/_sim/shell/open', json, (req, res) => {
    const body = (req.body ?? {}) as { userId?: unknown; placement?: unknown; lang?: unknown };
    const user = userFromQuery(body.userId);
    if (!user || !user.active) {
      res.status(400).json({ error: 'UNKNOWN_USER' });
      return;
    }
    const placement = body.placement === 'DEFAULT' || body.placement === 'INSTALL' ? body.placement : undefined;
    try {
      const lang = asShellLang(body.lang);
      const open = portal.openFrame.bind(portal) as OpenFrameWithLang;
      res.json(lang ? open(user.id, placement, { lang }) : open(user.id, placement));
    } catch (err) {
      sendError(res, err);
    }
  });

  router.post('/_sim/shell/command', json, async (req, res) => {
    const body = (req.body ?? {}) as { appSid?: unknown; command?: unknown; params?: unknown };
    if (typeof body.appSid !== 'string' || typeof body.command !== 'string') {
      res.status(400).json({ error: 'BAD_COMMAND' });
      return;
    }
    try {
      const result = await portal.frameCommand(body.appSid, body.command, body.params ?? null);
      res.json({ result: result === undefined ? null : result });
    } catch (err) {
      sendError(res, err);
    }
  });

  router.post('/_sim/shell/uninstall', json, async (req, res) => {
    const body = (req.body ?? {}) as { clean?: unknown };
    try {
      await portal.uninstall({ clean: body.clean === true });
      res.json({ installState: portal.installState });
    } catch (err) {
      sendError(res, err);
    }
  });

  router.get('/_sim/shell/directory/users', (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q : '';
    const limit = Math.min(Math.max(Number(req.query.limit) || 50, 1), 200);
    const viewer = userFromQuery(req.query.user);
    const users = searchEmployees(portal.directory, q, limit);
    res.json({ users: users.map((u) => toSelectedUser(portal.directory, viewer, u)) });
  });

  router.get('/_sim/shell/directory/departments', (_req, res) => {
    res.json({ departments: departmentTree(portal.directory) });
  });

  router.get('/_sim/shell/directory/groups', (_req, res) => {
    res.json({ groups: groupList(portal.directory) });
  });

  router.get('/_sim/shell/pushes', (req, res) => {
    const user = req.query.user === undefined || req.query.user === '' ? undefined : userFromQuery(req.query.user);
    const limit = Math.min(Math.max(Number(req.query.limit) || 200, 1), 1000);
    const all = portal.pushes;
    const recipients = new Map<number, string>();
    for (const p of all) {
      if (!recipients.has(p.userId)) {
        const u = portal.directory.user(p.userId);
        recipients.set(p.userId, u ? fullName(u) : `User ${p.userId}`);
      }
    }
    const picked: typeof all[number][] = [];
    for (let i = all.length - 1; i >= 0 && picked.length < limit; i--) {
      const p = all[i]!;
      if (!user || p.userId === user.id) picked.push(p);
    }
    picked.sort((a, b) => b.at - a.at || b.seq - a.seq);
    res.set('Cache-Control', 'no-store').json({
      user: user ? userSummary(user) : null,
      pushEnabled: user ? user.pushEnabled : true,
      total: all.length,
      recipients: [...recipients].map(([id, name]) => ({ id, name })).sort((a, b) => a.id - b.id),
      pushes: picked.map((p) => {
        const recipient = portal.directory.user(p.userId);
        return {
          ...p,
          recipientName: recipients.get(p.userId) ?? `User ${p.userId}`,
          delivered: recipient ? recipient.pushEnabled : false,
        };
      }),
    });
  });

  return router;
}

function sendError(res: Response, err: unknown) {
  const e = err as { error?: unknown; code?: unknown; message?: unknown; status?: unknown };
  const code = typeof e?.error === 'string' ? e.error : typeof e?.code === 'string' ? e.code : 'SHELL_ERROR';
  const status = typeof e?.status === 'number' && e.status >= 400 && e.status < 600 ? e.status : 400;
  res.status(status).json({ error: code, error_description: typeof e?.message === 'string' ? e.message : String(err) });
}
