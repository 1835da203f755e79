// Builds the web app into web/dist; `npm run dev:web` serves it with the API proxied to a running Parley.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const PARLEY = "http://127.0.0.1:3000";
// The server refuses cross-origin changes to a signed-in session; through the proxy the page is same-origin.
const toParley = { target: PARLEY, changeOrigin: true, headers: { origin: PARLEY } };

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // The hashed file names let the server cache assets forever; a report of sizes is printed by the build script.
    reportCompressedSize: false,
  },
  server: {
    proxy: { "/api": toParley, "/v1": toParley, "/healthz": toParley },
  },
});
