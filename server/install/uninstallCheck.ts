import { BitrixError } from '../bitrix/restClient.js';
import { OAuthError } from '../bitrix/oauthClient.js';
import { TokensUnusableError, type PortalGateway } from '../bitrix/portalGateway.js';
import type { PortalStore } from '../storage/portalStore.js';

/**
 * Is the app really gone from a portal? Every employee can read the application token (Bitrix24 posts it
 * to the app page of whoever opens it), so an ONAPPUNINSTALL carrying it proves nothing. A real uninstall
 * revokes the app's tokens on that portal; a call with a stored admin token that still works proves the
 * app is installed. Decision 0008 has the sources and what is unconfirmed.
 */
export type UninstallEvidence = 'gone' | 'installed' | 'unknown';

/** Portal answers to a revoked access token (core `rest` module: invalid_token "Unable to get application by token"). */
const REVOKED_TOKEN = new Set(['invalid_token', 'NO_AUTH_FOUND', 'INVALID_CREDENTIALS', 'ERROR_OAUTH', 'APPLICATION_NOT_FOUND']);

/** How many admins' tokens are tried at most: each costs the portal one call. */
const MAX_ADMINS_ASKED = 3;
/** At most one check per portal this often, however many events arrive: forged events cannot spend the portal's REST budget. */
export const UNINSTALL_CHECK_SPACING_MS = 10_000;

export interface UninstallCheckDeps {
  store: PortalStore;
  gateway: PortalGateway;
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

  async function askBitrix24(memberId: string): Promise<UninstallEvidence> {
    const admins = (await deps.store.listLiveAdmins(memberId)).slice(0, MAX_ADMINS_ASKED);
    let refused = 0;
    for (const admin of admins) {
      try {
        await deps.gateway.callAsUser(memberId, admin.userId, 'app.info');
        return 'installed';
      } catch (error) {
        if (isRevocation(error)) refused += 1;
      }
    }
    // Every admin asked was refused as a real uninstall refuses them; no admin at all proves nothing.
    return admins.length > 0 && refused === admins.length ? 'gone' : 'unknown';
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

function isRevocation(error: unknown): boolean {
  if (error instanceof TokensUnusableError) return error.reason === 'invalid_grant';
  if (error instanceof OAuthError) return error.code === 'invalid_grant';
  return error instanceof BitrixError && REVOKED_TOKEN.has(error.code);
}
