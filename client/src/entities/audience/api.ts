import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useFrame } from '../../lib/frameContext';
import { apiRequest } from '../../lib/api';
import { useI18n } from '../../lib/i18n';
import { useDebounced } from '../../lib/useDebounced';
import type { Employee } from '../employee/model';
import type { Audience } from './selection';

export interface AudiencePreview {
  count: number;
  sample: Employee[];
  unreachableUsers: number[];
}

const PREVIEW_DEBOUNCE_MS = 300;

/** The number of people the chosen audience reaches, resolved by the server as a send would. */
export function useAudiencePreview(audience: Audience | null) {
  const frame = useFrame();
  const { language } = useI18n();
  const settled = useDebounced(audience, PREVIEW_DEBOUNCE_MS);
  const key = settled ? JSON.stringify(settled) : null;
  return useQuery({
    queryKey: ['audience', 'preview', key],
    queryFn: ({ signal }) => apiRequest<AudiencePreview>(frame, 'audience/preview', { method: 'POST', body: { audience: settled }, signal, language }),
    enabled: key !== null,
    staleTime: 30_000,
    retry: false,
    placeholderData: keepPreviousData,
  });
}
