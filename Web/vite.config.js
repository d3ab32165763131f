import { defineConfig } from 'vite';

// The Api (http://localhost:5000 by default) serves REST under /api and the SignalR hub under /hubs.
const api = process.env.MONITOR_API ?? 'http://localhost:5000';
const proxy = {
  '/api': { target: api, changeOrigin: true },
  '/hubs': { target: api, changeOrigin: true, ws: true },
};

export default defineConfig({
  base: '/',
  build: {
    // A folder of its own: the Api serves it as its web root (see README.md), so emptying it is safe.
    outDir: '../Api/wwwroot/app',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 300,
  },
  server: { port: 5173, strictPort: true, proxy },
  preview: { port: 4173, strictPort: true, proxy },
});
