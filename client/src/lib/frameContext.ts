import { createContext, useContext } from 'react';
import type { B24Frame } from '@bitrix24/b24jssdk';

export const FrameContext = createContext<B24Frame | null>(null);

export function useFrame(): B24Frame {
  const frame = useContext(FrameContext);
  if (!frame) throw new Error('useFrame() outside <FrameGate>');
  return frame;
}
