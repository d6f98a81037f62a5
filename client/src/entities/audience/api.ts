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

/** The number of people the chosen audience reaches, live as the picks change (debounced). */
export function useAudiencePreview(audience: Audience | null) {
  const api = useApi();
  const settled = useDebounced(audience, PREVIEW_DEBOUNCE_MS);
  return useQuery({
    ...audienceQueries.preview(api, settled),
    placeholderData: keepPreviousData,
  });
}
