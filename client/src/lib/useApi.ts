import { useMemo } from 'react';
import { boundApi, type Api } from './api';
import { useFrame } from './frameContext';
import { useI18n } from './i18n';

/** The one way components reach the API: the frame's, in the UI's language (Accept-Language). */
export function useApi(): Api {
  const frame = useFrame();
  const { language } = useI18n();
  return useMemo(() => boundApi(frame, language), [frame, language]);
}
