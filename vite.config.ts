import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const clientRoot = fileURLToPath(new URL('./client', import.meta.url));

// Two entry points: the app page (opened from the left menu) and the install page.
export default defineConfig({
  root: clientRoot,
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist/client', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      input: {
        index: fileURLToPath(new URL('./client/index.html', import.meta.url)),
        install: fileURLToPath(new URL('./client/install.html', import.meta.url)),
      },
    },
  },
});
