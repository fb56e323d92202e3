/// <reference types="vitest/config" />
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

const here = dirname(fileURLToPath(import.meta.url));

/** Swagger UI's and ReDoc's bundles, copied beside the app so /docs and /redoc work offline
 * (ReDoc's footer logo, its one remote asset, becomes ours). */
const API_DOCS_ASSETS: Record<string, string> = {
  "swagger-ui-bundle.js": "node_modules/swagger-ui-dist/swagger-ui-bundle.js",
  "swagger-ui.css": "node_modules/swagger-ui-dist/swagger-ui.css",
  "redoc.standalone.js": "node_modules/redoc/bundles/redoc.standalone.js",
};

function apiDocsAssets(): Plugin {
  return {
    name: "api-docs-assets",
    apply: "build",
    closeBundle() {
      const target = join(here, "dist", "vendor");
      mkdirSync(target, { recursive: true });
      for (const [name, source] of Object.entries(API_DOCS_ASSETS)) {
        const text = readFileSync(join(here, source), "utf8")
          .replaceAll("https://cdn.redoc.ly/redoc/logo-mini.svg", "/favicon.svg");
        writeFileSync(join(target, name), text);
      }
    },
  };
}

export default defineConfig({
  plugins: [react(), apiDocsAssets()],
  server: { proxy: { "/api": "http://127.0.0.1:8000" } },
  // the lazily loaded editor chunk (CodeMirror with Python) is near 490 kB
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 500 },
  test: { environment: "jsdom", globals: true, include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/setupTests.ts"] },
});
