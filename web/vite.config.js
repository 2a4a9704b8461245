// Builds the page into the Python package, where `peaceforce serve` finds it (not committed).
import { defineConfig } from "vite";

export default defineConfig({
  base: "/",
  build: {
    outDir: "../src/peaceforce/server/web_dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 4000,
    assetsInlineLimit: 0,
  },
});
