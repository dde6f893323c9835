#!/usr/bin/env node
// `npm run build`, after tsc: the daemon's entry (dist/cli.js) and the plugin hosts' (dist/daemon/
// worker/hostWorker.js, hostProcess.js) each become one file with their dependencies. Node then
// reads and links one file instead of every module of the daemon and its dependencies: less time
// at every spawn of the daemon and every start of a plugin host (BENCHMARKS.md, cold start). The
// other compiled modules stay as tsc wrote them, for the typed clients (dist/clients) that other
// programs import.
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import * as esbuild from 'esbuild';

const shared = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  allowOverwrite: true,
  logLevel: 'warning',
  sourcemap: true,
  // esbuild runs its own binary; the two others load lazily, only where they are needed.
  external: ['esbuild', 'pino-pretty', '@babel/code-frame'],
};

// From the sources, so that the bundles never depend on what an incremental tsc left in dist.
// The daemon's 2 MB are CommonJS (dist/cli.cjs), which Node 20 can start from V8's code cache
// (src/startup/codeCache.ts; it keeps no cache of an ES module), through an entry of two lines:
// `reloadd` is still dist/cli.js. The hosts' 120 KB compile in less time than the cache costs
// (BENCHMARKS.md, cold start): ES modules, as tsc's output is.
await esbuild.build({
  ...shared,
  format: 'cjs',
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/cli.cjs',
  // Everything but comments in ASCII (esbuild's default, stated): the entry reads it as Latin-1.
  charset: 'ascii',
  // import.meta is an ES module's: the bundle's own URL stands in for it.
  define: { 'import.meta.url': '__reloaddBundleUrl' },
  banner: { js: "var __reloaddBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
});
await writeFile(
  'dist/cli.js',
  "#!/usr/bin/env node\nimport { runBundle } from './startup/codeCache.js';\nrunBundle(new URL('./cli.cjs', import.meta.url));\n",
  { mode: 0o755 },
);
await rm('dist/cli.js.map', { force: true });
for (const host of ['hostWorker', 'hostProcess']) {
  await esbuild.build({
    ...shared,
    format: 'esm',
    entryPoints: [`src/daemon/worker/${host}.ts`],
    outfile: `dist/daemon/worker/${host}.js`,
    // CommonJS dependencies call require(): give the ES module one.
    banner: {
      js: "import { createRequire as __reloaddRequire } from 'node:module';\nconst require = __reloaddRequire(import.meta.url);",
    },
  });
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
