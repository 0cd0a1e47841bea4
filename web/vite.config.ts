import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

const webDir = fileURLToPath(new URL(".", import.meta.url));

/** The browser UI: built into web/dist and served by the hub (src/hub/http/static.ts) from the same origin. */
export default defineConfig({
  root: webDir,
  base: "/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
  },
  logLevel: "warn",
});
