import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClientProvider } from '@tanstack/react-query';
import { FrameGate } from './app/FrameGate';
import { queryClient } from './app/queryClient';
import { App } from './app/App';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <FrameGate>
        <App />
      </FrameGate>
    </QueryClientProvider>
  </StrictMode>,
);
