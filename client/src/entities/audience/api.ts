import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { useApi, type Api } from '../../lib/api';
import type { AudiencePreviewAnswer } from '../../lib/contract';
import { useDebounced } from '../../lib/useDebounced';
import type { Audience } from './selection';

export type AudiencePreview = AudiencePreviewAnswer;

const PREVIEW_DEBOUNCE_MS = 300;

export const audienceKeys = {
  all: ['audience'] as const,
  preview: (audience: Audience | null) => [...audienceKeys.all, 'preview', audience ? JSON.stringify(audience) : null] as const,
};

export const audienceQueries = {
  /** POST audience/preview: how many people an audience reaches, resolved by the server as a send would. */
  preview: (api: Api, audience: Audience | null) =>
    queryOptions({
      queryKey: audienceKeys.preview(audience),
      queryFn: ({ signal }) => api.request<AudiencePreview>('audience/preview', { method: 'POST', body: { audience }, signal }),
      enabled: audience !== null,
      staleTime: 30_000,
      retry: false,
    }),
};

/**
 * The number of people the chosen audience reaches, live as the picks change. The query is always the
 * audience as it is now; only asking the server waits until the picks stop changing. So `data` with
 * `isPlaceholderData` false, and `isError`, are always about the current audience: while a new
 * audience waits or loads, the previous answer is placeholder data (a send must not take it for this
 * audience's count).
 */
export function useAudiencePreview(audience: Audience | null) {
  const api = useApi();
  const wanted = audienceKeys.preview(audience)[2];
  const settled = useDebounced(wanted, PREVIEW_DEBOUNCE_MS);
  const query = audienceQueries.preview(api, audience);
  return useQuery({
    ...query,
    enabled: query.enabled !== false && settled === wanted,
    placeholderData: keepPreviousData,
  });
}
