import type { QueryClient } from '@tanstack/react-query';
import type { Api } from '../lib/api';
import type { Translate } from '../lib/i18n';
import { picksFromAudience, usersNamed, USER_CODE, type PortalNames } from '../entities/audience/named';
import type { Audience } from '../entities/audience/selection';
import { portalUserQueries, type PortalUser } from '../entities/employee/api';
import type { SendView } from '../entities/send/model';
import { recipientQueries } from '../features/recipients/api';
import type { Draft } from '../features/composer/Composer';

/**
 * "Send again": the send's message, and its audience named as the portal names it now (the picker's
 * directory for departments and groups, `user.get` for people; ../entities/audience/named.ts).
 */

/** Reads what the portal has now (each part on its own: one that fails leaves only its ids unnamed). */
export async function portalNames(queryClient: QueryClient, api: Api, audience: Audience | null | undefined): Promise<PortalNames> {
  const needsDirectory = Boolean(audience?.departments?.length || audience?.groups?.length || audience?.accessCodes?.some((code) => !USER_CODE.test(code)));
  const ids = usersNamed(audience);
  const [directory, users] = await Promise.all([
    needsDirectory ? queryClient.fetchQuery(recipientQueries.directory(api)).catch(() => null) : Promise.resolve(null),
    ids.length > 0 ? queryClient.fetchQuery(portalUserQueries.of(api, ids)).catch(() => null) : Promise.resolve(new Map<number, PortalUser>()),
  ]);
  return {
    users,
    departments: directory ? new Map(directory.departments.map((d) => [d.id, d.name])) : null,
    groups: directory ? new Map(directory.groups.map((g) => [g.id, g.name])) : null,
  };
}

/** The composer's draft for "send again": the send's text, avatar and audience, named. */
export async function draftFromSend(queryClient: QueryClient, api: Api, send: SendView, t: Translate): Promise<Draft> {
  const names = await portalNames(queryClient, api, send.audience);
  return { picks: picksFromAudience(send.audience, names, t), text: send.text, avatar: send.avatar ?? '' };
}
