import { BitrixError, callRest, PORTAL_MOVED, type RestCallOptions } from '../bitrix/restClient.js';
import type { PortalGateway } from '../bitrix/portalGateway.js';
import type { PortalRateLimiter } from '../send/rateLimiter.js';
import type { PortalStore, UserTokens } from '../storage/portalStore.js';

/**
 * Is the app really gone from a portal? Every employee can read the application token (Bitrix24 posts it
 * to the app page of whoever opens it), so an ONAPPUNINSTALL carrying it proves nothing: Bitrix24 is asked.
 *
 * Only an answer about the app counts as proof that it was removed: the portal's APPLICATION_NOT_FOUND,
 * which the core gives to any token of the app once it is gone, before it looks at the token's expiry
 * (core `rest/lib/oauth/auth.php`, decision 0010). A refused token (`invalid_token`, `expired_token`, a
 * deactivated user's `authorization_error`, a refresh's `invalid_grant`) is evidence about that one user,
 * never about the app; one call that works proves the app is installed. Decision 0015.
 */
export type UninstallEvidence = 'gone' | 'installed' | 'unknown';

/** The portal's own word that the app is not installed (core rest/lib/oauth/auth.php). */
const APP_REMOVED = 'APPLICATION_NOT_FOUND';
/** Answers to the stored access token after which the same admin is asked again through the gateway (renewed, or at a moved address). */
const ASK_AGAIN_RENEWED = new Set(['expired_token', 'invalid_token', PORTAL_MOVED]);

/** How many stored admins are asked at most, most recently active first: each costs the portal one or two calls. */
export const MAX_ADMINS_ASKED = 10;
/** At most one check per portal this often, however many events arrive: forged events cannot spend the portal's REST budget. */
export const UNINSTALL_CHECK_SPACING_MS = 10_000;

export interface UninstallCheckDeps {
  store: PortalStore;
  gateway: PortalGateway;
  /** The portal's shared REST pace: the checks spend its budget like any other call. */
  limiter?: PortalRateLimiter;
  rest?: RestCallOptions;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface UninstallChecker {
  /** A check that starts after this call (never an older answer), shared by the events that wait for it. */
  check(memberId: string): Promise<UninstallEvidence>;
}

export function createUninstallChecker(deps: UninstallCheckDeps): UninstallChecker {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  /** Per portal: the next check not yet started (events join it), the latest check, and when it started. */
  const upcoming = new Map<string, Promise<UninstallEvidence>>();
  const latest = new Map<string, Promise<unknown>>();
  const lastStarted = new Map<string, number>();

  /** What one call's outcome says about the app: an answer proves it installed, APPLICATION_NOT_FOUND gone, anything else nothing. */
  async function ask(memberId: string, call: () => Promise<unknown>): Promise<UninstallEvidence | BitrixError | null> {
    await deps.limiter?.acquire(memberId);
    try {
      await call();
      return 'installed';
    } catch (error) {
      if (error instanceof BitrixError) return error.code === APP_REMOVED ? 'gone' : error;
      return null;
    }
  }

  async function askAs(memberId: string, endpoint: string, admin: UserTokens): Promise<UninstallEvidence> {
    // The stored access token as it is, expired or not: no refresh token is spent to learn that the app is gone.
    const direct = await ask(memberId, () => callRest(endpoint, 'app.info', {}, admin.accessToken, deps.rest));
    if (direct === 'installed' || direct === 'gone') return direct;
    if (!(direct instanceof BitrixError) || !ASK_AGAIN_RENEWED.has(direct.code) || admin.tokenState !== 'live') return 'unknown';
    const renewed = await ask(memberId, () => deps.gateway.callAsUser(memberId, admin.userId, 'app.info'));
    return renewed === 'installed' || renewed === 'gone' ? renewed : 'unknown';
  }

  async function askBitrix24(memberId: string): Promise<UninstallEvidence> {
    const portal = await deps.store.getPortal(memberId);
    if (!portal) return 'unknown';
    for (const admin of await deps.store.listStoredAdmins(memberId, MAX_ADMINS_ASKED)) {
      const evidence = await askAs(memberId, portal.clientEndpoint, admin);
      if (evidence !== 'unknown') return evidence;
    }
    return 'unknown';
  }

  return {
    check(memberId) {
      const joinable = upcoming.get(memberId);
      if (joinable) return joinable;
      // One check at a time per portal, each at least the spacing after the one before began.
      const run = (latest.get(memberId) ?? Promise.resolve())
        .catch(() => undefined)
        .then(async () => {
          const wait = (lastStarted.get(memberId) ?? -Infinity) + UNINSTALL_CHECK_SPACING_MS - now();
          if (wait > 0) await sleep(wait);
          // From here on a new event needs a check of its own: this one may have asked Bitrix24 before it arrived.
          upcoming.delete(memberId);
          lastStarted.set(memberId, now());
          return askBitrix24(memberId);
        });
      upcoming.set(memberId, run);
      latest.set(memberId, run);
      return run;
    },
  };
}
