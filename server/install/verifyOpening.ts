import { z } from 'zod';
import type { OAuthClient, OAuthGrant } from '../bitrix/oauthClient.js';
import { callRest, type RestCallOptions } from '../bitrix/restClient.js';
import type { FrameOpenForm } from './requestSchemas.js';

/** The install POST's claims did not survive the OAuth server's answer. Nothing may be stored. */
export class ForgedOpeningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForgedOpeningError';
  }
}

export interface VerifiedOpening {
  /** From the OAuth server: the authoritative member_id, endpoint and user, with a fresh token pair. */
  grant: OAuthGrant;
  user: { id: number; isAdmin: boolean };
  /** What the portal says the app was granted (its `scope` method); null if it could not be read. */
  scopes: string[] | null;
}

const profileAnswer = z.object({ ID: z.coerce.number().int().positive(), ADMIN: z.boolean() });
const scopeAnswer = z.array(z.string().regex(/^[\w.-]{1,64}$/)).max(200);

/**
 * Proves an install or app-page POST: its refresh token is redeemed at the configured OAuth server,
 * whose answer names the portal; the portal (at the endpoint the OAuth server gave) then names the user.
 * The REFRESH_ID is consumed: the caller must store grant's new pair.
 */
export async function verifyOpening(form: FrameOpenForm, oauth: OAuthClient, rest: RestCallOptions = {}): Promise<VerifiedOpening> {
  const grant = await oauth.refresh(form.REFRESH_ID);
  if (grant.memberId.toLowerCase() !== form.member_id.toLowerCase()) {
    throw new ForgedOpeningError('The member_id of the request is not the one the OAuth server reports for its token');
  }
  const { result } = await callRest(grant.clientEndpoint, 'profile', {}, grant.accessToken, rest);
  const profile = profileAnswer.safeParse(result);
  if (!profile.success || (grant.userId !== null && profile.data.ID !== grant.userId)) {
    throw new ForgedOpeningError('The portal does not confirm the user the OAuth server reports for this token');
  }
  return { grant: { ...grant, userId: profile.data.ID }, user: { id: profile.data.ID, isAdmin: profile.data.ADMIN }, scopes: await grantedScopes(grant, rest) };
}

/** The app's scopes on the portal (api-reference/common/system/scope.md; needs no scope). Only shown to admins, so a failure is no reason to refuse. */
async function grantedScopes(grant: OAuthGrant, rest: RestCallOptions): Promise<string[] | null> {
  try {
    const parsed = scopeAnswer.safeParse((await callRest(grant.clientEndpoint, 'scope', {}, grant.accessToken, rest)).result);
    return parsed.success ? parsed.data : grant.scope;
  } catch {
    return grant.scope;
  }
}
