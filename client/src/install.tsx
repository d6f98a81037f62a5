import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { FrameGate } from './app/FrameGate';
import { InstallPage } from './features/install/InstallPage';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <FrameGate>
      <InstallPage />
    </FrameGate>
  </StrictMode>,
);
