import type { FrameOpening, SimPortal } from '../../simulator/contract.js';
import { firstAdmin } from './directory.js';

/** What an installation through the simulated portal does, for tests that need an app fully installed. */

/** The frame's form POST, as Bitrix24 sends it into the iframe. */
export function postOpening(opening: FrameOpening): Promise<Response> {
  return fetch(opening.action, { method: 'POST', body: new URLSearchParams(opening.fields) });
}

/** event.bind of ONAPPINSTALL and ONAPPUNINSTALL to the app's handler, as the install page does. */
export async function bindAppEvents(portal: SimPortal, appUrl: string, adminId = firstAdmin(portal).id): Promise<void> {
  const { access_token } = portal.issueTokens(adminId);
  for (const event of ['ONAPPINSTALL', 'ONAPPUNINSTALL']) {
    const response = await fetch(`${portal.clientEndpoint}event.bind.json`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ event, handler: `${appUrl}/events`, auth: access_token }),
    });
    if (response.status !== 200) throw new Error(`event.bind ${event} answered ${response.status}`);
  }
}

/** The install page opened by an admin, the events bound, installFinish: the portal delivers ONAPPINSTALL. Returns the install POST's status. */
export async function installFully(portal: SimPortal, appUrl: string, adminId = firstAdmin(portal).id): Promise<number> {
  const opening = portal.openFrame(adminId, 'INSTALL');
  const status = (await postOpening(opening)).status;
  await bindAppEvents(portal, appUrl, adminId);
  await portal.frameCommand(opening.appSid, 'setInstallFinish', {});
  return status;
}
