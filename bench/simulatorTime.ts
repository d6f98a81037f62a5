import { AsyncLocalStorage } from 'node:async_hooks';
import dc from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimulatorImpl } from '../simulator/simulator.js';
import { portalTimeOf, type PortalCall } from './portalTime.js';

/**
 * Portal time measured on the simulator's side, for an app that runs in another process (the load
 * benchmark): the simulator's HTTP servers run in the benchmark process, so each request they serve is
 * timed from `http.server.request.start` (headers read) to the answer's `finish` (handed to the socket),
 * and tagged with the portal and the user whose token it carried (the portal's `authenticate`, wrapped
 * per portal instance, names the user inside the request's async context). An app request made by user
 * U of portal P between t0 and t1 is charged the union of P's calls for U that overlap [t0, t1]: each
 * simulated admin has one request in flight at a time and the app calls the portal for it with that
 * admin's own tokens (the frame token for the check and the picker's reads, the stored one for pushes).
 * The time the app spends on its side of those calls (connection, loopback transfer, reading the body)
 * is not seen here, so backend overhead is slightly overstated, never understated.
 */

interface OpenCall {
  memberId: string;
  userId: number | undefined;
  start: number;
}

export interface SimulatorTimer {
  /** Union of the portal's calls for this user that overlap [from, to], in ms. */
  portalTimeFor(memberId: string, userId: number, from: number, to: number): number;
  /** Calls the simulator served whose user is unknown (the OAuth server's, or refused before the token was read) in [from, to]. */
  unattributedCalls(from: number, to: number): number;
  /** Stops timing (the simulator's servers are closed separately). */
  stop(): void;
}

const OAUTH = 'oauth';

export function timeSimulator(sim: SimulatorImpl): SimulatorTimer {
  const current = new AsyncLocalStorage<OpenCall>();
  const memberIdByPort = new Map<number, string>([[Number(new URL(sim.oauth.url).port), OAUTH]]);
  for (const portal of sim.portals) {
    memberIdByPort.set(Number(new URL(portal.origin).port), portal.memberId);
    const authenticate = portal.authenticate.bind(portal);
    portal.authenticate = (credentials) => {
      const auth = authenticate(credentials);
      const call = current.getStore();
      if (call) call.userId = auth.userId;
      return auth;
    };
  }
  const calls = new Map<string, PortalCall[]>();
  const unattributed: PortalCall[] = [];

  const onRequest = (message: unknown) => {
    const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
    const memberId = memberIdByPort.get(request.socket.localPort ?? -1);
    if (memberId === undefined) return;
    const call: OpenCall = { memberId, userId: undefined, start: performance.now() };
    // The simulator's handlers run in this synchronous continuation: `authenticate` sees this call.
    current.enterWith(call);
    response.once('finish', () => {
      const done: PortalCall = { method: request.url ?? '', start: call.start, end: performance.now(), status: response.statusCode };
      if (call.memberId === OAUTH || call.userId === undefined) {
        unattributed.push(done);
        return;
      }
      const key = `${call.memberId}:${call.userId}`;
      const list = calls.get(key) ?? [];
      list.push(done);
      calls.set(key, list);
    });
  };
  dc.subscribe('http.server.request.start', onRequest);

  return {
    portalTimeFor(memberId, userId, from, to) {
      const list = calls.get(`${memberId}:${userId}`) ?? [];
      return portalTimeOf(
        list.filter((call) => call.end > from && call.start < to),
        from,
        to,
      );
    },
    unattributedCalls: (from, to) => unattributed.filter((call) => call.end > from && call.start < to).length,
    stop: () => dc.unsubscribe('http.server.request.start', onRequest),
  };
}
