import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi } from '../../lib/api';
import type { OneSendAnswer } from '../../lib/contract';
import { directoryQuery } from '../../entities/audience/directory';
import type { PortalNames } from '../../entities/audience/named';
import type { Audience } from '../../entities/audience/selection';
import { sendKeys, sendQueries, type HistoryTests } from '../../entities/send/api';
import type { SendView } from '../../entities/send/model';
import { portalUserQueries } from '../../entities/employee/api';
import { profileQueries } from '../../entities/employee/profile';
import { displayZone, type DisplayZone } from '../../entities/employee/timeZone';
import { namesWanted } from './audienceInWords';

/** The history, polled while a send on it is queued or sending. */
export function useHistory(tests: HistoryTests) {
  const api = useApi();
  return useInfiniteQuery({
    ...sendQueries.history(api, tests),
    refetchInterval: (query) =>
      query.state.data?.pages.some((page) => page.sends.some((send) => send.status === 'queued' || send.status === 'sending')) ? 3_000 : false,
  });
}

/** POST sends/:id/cancel (a scheduled or paused send); every send query is refreshed after it. */
export function useCancelSend() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.request<OneSendAnswer>(`sends/${id}/cancel`, { method: 'POST', body: {} }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: sendKeys.all }),
  });
}

const sortedUnique = (ids: Iterable<number>) => [...new Set(ids)].sort((a, b) => a - b);

/** Senders' names. */
export function useUserNames(ids: readonly number[]) {
  const api = useApi();
  return useQuery({ ...portalUserQueries.of(api, sortedUnique(ids)), select: (users) => new Map([...users].map(([id, user]) => [id, user.name])) });
}

/**
 * What the portal calls the people, departments and groups an audience names (only those a row shows:
 * ./audienceInWords.ts), for each send on the page; null for one whose names are still being read. A part
 * that fails leaves its ids unnamed.
 */
export function useAudienceNames(sends: readonly SendView[]): (audience: Audience) => PortalNames | null {
  const api = useApi();
  const wanted = sends.map((send) => namesWanted(send.audience));
  const userIds = sortedUnique(wanted.flatMap((want) => want.userIds));
  const needsDirectory = wanted.some((want) => want.directory);
  // While "Show older" reads more people, the rows already named keep their names.
  const users = useQuery({ ...portalUserQueries.of(api, userIds), placeholderData: keepPreviousData });
  const directory = useQuery({ ...directoryQuery(api), enabled: needsDirectory });
  const departments = directory.data ? new Map(directory.data.departments.map((d) => [d.id, d.name])) : null;
  const groups = directory.data ? new Map(directory.data.groups.map((g) => [g.id, g.name])) : null;
  return (audience) => {
    const want = namesWanted(audience);
    if (want.directory && !directory.isSuccess && !directory.isError) return null;
    let known: PortalNames['users'] = new Map();
    if (want.userIds.length > 0) {
      if (users.isError) known = null;
      else if (!users.data || (users.isPlaceholderData && !want.userIds.every((id) => users.data.has(id)))) return null;
      else known = users.data;
    }
    return { users: known, departments, groups };
  };
}

/** The admin's Bitrix24 time zone (the `profile` the app already read at start); null while it is read. */
export function useDisplayZone(): DisplayZone | null {
  const api = useApi();
  const profile = useQuery({ ...profileQueries.profile(api), staleTime: 10 * 60_000 });
  if (profile.isPending) return null;
  return displayZone(profile.data);
}
