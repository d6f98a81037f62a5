import type { Clock } from './contract.js';
import { opaqueToken } from './random.js';

/** What a token pair is bound to. */
export interface TokenBinding {
  memberId: string;
  userId: number;
  clientId: string;
  scope: string[];
}

export interface IssuedTokens extends TokenBinding {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms. */
  accessExpiresAt: number;
  /** Seconds the access token lives. */
  expiresIn: number;
}

interface AccessRecord extends TokenBinding {
  expiresAt: number;
  /** The installation it was issued for was removed: the portal no longer finds the app for it. */
  ofRemovedInstall?: boolean;
}

interface RefreshRecord extends TokenBinding {
  expiresAt: number;
  state: 'fresh' | 'used' | 'revoked';
}

export interface AccessTokenInfo {
  binding: TokenBinding;
  expiresAt: number;
  expired: boolean;
  /** Issued before the app was uninstalled from its portal. */
  ofRemovedInstall: boolean;
}
export type RefreshResult = { ok: true; tokens: IssuedTokens } | { ok: false; error: 'invalid_grant' };

export interface TokenStoreOptions {
  /** Seconds; default 3600. */
  accessTokenTtl?: number;
  /** Seconds; default 180 days. */
  refreshTokenTtl?: number;
}

const DAY = 86_400;

/**
 * Access and refresh tokens shared by the OAuth server and every portal. Access tokens live an hour on
 * the injected clock; refresh tokens live 180 days and are single-use: a used, revoked or expired one
 * is `invalid_grant`. A token is only valid on the portal (member_id) it was issued for.
 */
export class TokenStore {
  private readonly access = new Map<string, AccessRecord>();
  private readonly refresh = new Map<string, RefreshRecord>();
  private readonly refreshes = new Map<string, number>();
  readonly accessTokenTtl: number;
  readonly refreshTokenTtl: number;

  constructor(
    private readonly clock: Clock,
    options: TokenStoreOptions = {},
  ) {
    this.accessTokenTtl = options.accessTokenTtl ?? 3600;
    this.refreshTokenTtl = options.refreshTokenTtl ?? 180 * DAY;
  }

  issue(binding: TokenBinding): IssuedTokens {
    const now = this.clock.now();
    const accessToken = newToken(this.access);
    const refreshToken = newToken(this.refresh);
    const accessExpiresAt = now + this.accessTokenTtl * 1000;
    const copy: TokenBinding = { memberId: binding.memberId, userId: binding.userId, clientId: binding.clientId, scope: [...binding.scope] };
    this.access.set(accessToken, { ...copy, expiresAt: accessExpiresAt });
    this.refresh.set(refreshToken, { ...copy, expiresAt: now + this.refreshTokenTtl * 1000, state: 'fresh' });
    return { ...copy, accessToken, refreshToken, accessExpiresAt, expiresIn: this.accessTokenTtl };
  }

  /** The access token's binding and whether it has expired; undefined for an unknown (or revoked) token. */
  findAccess(token: string): AccessTokenInfo | undefined {
    const record = this.access.get(token);
    if (!record) return undefined;
    return { binding: record, expiresAt: record.expiresAt, expired: this.clock.now() >= record.expiresAt, ofRemovedInstall: record.ofRemovedInstall === true };
  }

  /** A refresh_token grant: the old refresh token is spent whatever happens next. */
  useRefreshToken(refreshToken: string, clientId: string): RefreshResult {
    const record = this.refresh.get(refreshToken);
    if (!record || record.state !== 'fresh' || record.clientId !== clientId || this.clock.now() >= record.expiresAt) {
      return { ok: false, error: 'invalid_grant' };
    }
    record.state = 'used';
    const key = `${record.memberId}:${record.userId}`;
    this.refreshes.set(key, (this.refreshes.get(key) ?? 0) + 1);
    return { ok: true, tokens: this.issue(record) };
  }

  refreshCount(memberId?: string, userId?: number): number {
    let total = 0;
    for (const [key, count] of this.refreshes) {
      const [member, user] = key.split(':');
      if (memberId !== undefined && member !== memberId) continue;
      if (userId !== undefined && Number(user) !== userId) continue;
      total += count;
    }
    return total;
  }

  revokeRefreshToken(refreshToken: string): void {
    const record = this.refresh.get(refreshToken);
    if (record) record.state = 'revoked';
  }

  /**
   * The app was uninstalled from a portal: its refresh tokens there die, and its access tokens stay known
   * but belong to a removed installation (the portal answers APPLICATION_NOT_FOUND to them, decision
   * 0010). `forget`: the unconfirmed alternative, the OAuth server forgets them (the portal answers
   * invalid_token, as to any unknown token).
   */
  revokeInstallation(memberId: string, clientId: string, options: { forget?: boolean } = {}): void {
    for (const [token, record] of this.access) {
      if (record.memberId !== memberId || record.clientId !== clientId) continue;
      if (options.forget) this.access.delete(token);
      else record.ofRemovedInstall = true;
    }
    for (const record of this.refresh.values()) if (record.memberId === memberId && record.clientId === clientId) record.state = 'revoked';
  }
}

function newToken(taken: Map<string, unknown>): string {
  for (;;) {
    const token = opaqueToken(70);
    if (!taken.has(token)) return token;
  }
}
