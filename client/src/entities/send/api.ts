import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query';
import type { Api } from '../../lib/api';
import type { OneSendAnswer, SendHistoryAnswer } from '../../lib/contract';

export const HISTORY_PAGE = 20;

/** Which sends the history lists: all, or without tests to oneself (`GET sends?tests=exclude`). */
export type HistoryTests = 'include' | 'exclude';

/** Every query about sends starts with `sendKeys.all`: invalidating it after a send or a cancel refreshes them all. */
export const sendKeys = {
  all: ['sends'] as const,
  history: (tests: HistoryTests = 'include') => [...sendKeys.all, 'history', tests] as const,
  one: (id: string) => [...sendKeys.all, 'one', id] as const,
};

export const sendQueries = {
  /** GET sends/:id */
  one: (api: Api, id: string) =>
    queryOptions({
      queryKey: sendKeys.one(id),
      queryFn: ({ signal }) => api.request<OneSendAnswer>(`sends/${id}`, { signal }),
    }),
  /** GET sends, newest first, a page at a time. */
  history: (api: Api, tests: HistoryTests = 'include') =>
    infiniteQueryOptions({
      queryKey: sendKeys.history(tests),
      queryFn: ({ pageParam, signal }) =>
        api.request<SendHistoryAnswer>(`sends?limit=${HISTORY_PAGE}&tests=${tests}${pageParam ? `&before=${pageParam}` : ''}`, { signal }),
      initialPageParam: '',
      getNextPageParam: (page) => page.nextBefore ?? undefined,
    }),
};
