import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClientProvider } from '@tanstack/react-query';
import { FrameGate } from './app/FrameGate';
import { queryClient } from './app/queryClient';
import { Welcome } from './features/welcome/Welcome';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <FrameGate>
        <Welcome />
      </FrameGate>
    </QueryClientProvider>
  </StrictMode>,
);
