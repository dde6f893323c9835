#!/usr/bin/env node
// `npm run build`, after tsc: the daemon's entry (dist/cli.js) and the plugin host's
// (dist/daemon/worker/hostWorker.js) each become one file with their dependencies. Node then
// reads and links one file instead of every module of the daemon and its dependencies: less
// time at every spawn of the daemon and every start of a plugin host (BENCHMARKS.md, cold start). The other compiled modules stay
// as tsc wrote them, for the typed clients (dist/clients) that other programs import.
import { copyFile, mkdir } from 'node:fs/promises';
import * as esbuild from 'esbuild';

const shared = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  allowOverwrite: true,
  logLevel: 'warning',
  // esbuild runs its own binary; the two others load lazily, only where they are needed.
  external: ['esbuild', 'pino-pretty', '@babel/code-frame'],
  // CommonJS dependencies (commander, pino…) call require(): give the ES module one.
  banner: {
    js: "import { createRequire as __reloaddRequire } from 'node:module';\nconst require = __reloaddRequire(import.meta.url);",
  },
};

// From the sources, so that the bundles never depend on what an incremental tsc left in dist.
const entries = {
  'src/cli.ts': 'dist/cli.js',
  'src/daemon/worker/hostWorker.ts': 'dist/daemon/worker/hostWorker.js',
  'src/daemon/worker/hostProcess.ts': 'dist/daemon/worker/hostProcess.js',
};
for (const [source, outfile] of Object.entries(entries)) {
  await esbuild.build({ ...shared, entryPoints: [source], outfile, sourcemap: true });
}

// The dashboard: a page for the browser, served by the daemon from dist/dashboard. Everything
// it needs is in these three files (no CDN, no remote fonts): it works offline.
await esbuild.build({
  entryPoints: ['src/clients/dashboard/main.tsx'],
  outfile: 'dist/dashboard/dashboard.js',
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  minify: process.env.DASHBOARD_MINIFY !== '0',
  sourcemap: true,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  tsconfig: 'src/clients/dashboard/tsconfig.json',
  logLevel: 'warning',
});
await mkdir('dist/dashboard', { recursive: true });
await copyFile('src/clients/dashboard/index.html', 'dist/dashboard/index.html');
// What a plugin's type check declares of its realm when its project has no Node types.
await copyFile('src/plugin/realm.d.ts', 'dist/plugin/realm.d.ts');
await esbuild.build({
  entryPoints: ['src/clients/dashboard/styles.css'],
  outfile: 'dist/dashboard/dashboard.css',
  bundle: true,
  minify: true,
  logLevel: 'warning',
});
