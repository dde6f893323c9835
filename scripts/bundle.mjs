#!/usr/bin/env node
// `npm run build`, after tsc: the daemon's entry (dist/cli.js) and the plugin host's
// (dist/daemon/worker/hostWorker.js) each become one file with their dependencies. Node then
// reads and links one file instead of every module of the daemon and its dependencies: less
// time at every spawn of the daemon and every start of a plugin host (BENCHMARKS.md, cold start). The other compiled modules stay
// as tsc wrote them, for the typed clients (dist/clients) that other programs import.
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as esbuild from 'esbuild';

const shared = {
  bundle: true,
  platform: 'node',
  // CommonJS, which Node 20 can start from V8's code cache (src/startup/codeCache.ts); it keeps
  // no cache of an ES module.
  format: 'cjs',
  target: 'node20',
  allowOverwrite: true,
  logLevel: 'warning',
  // esbuild runs its own binary; the two others load lazily, only where they are needed.
  external: ['esbuild', 'pino-pretty', '@babel/code-frame'],
  // import.meta is an ES module's: the bundle's own URL stands in for it.
  define: { 'import.meta.url': '__reloaddBundleUrl' },
  banner: { js: "var __reloaddBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
};

// From the sources, so that the bundles never depend on what an incremental tsc left in dist.
// Each program is a bundle (`.cjs`) and the entry Node is given (`.js`), which runs the bundle
// through the code cache. Where a program starts is unchanged: `reloadd` is dist/cli.js.
const entries = {
  'src/cli.ts': 'dist/cli',
  'src/daemon/worker/hostWorker.ts': 'dist/daemon/worker/hostWorker',
  'src/daemon/worker/hostProcess.ts': 'dist/daemon/worker/hostProcess',
};
for (const [source, out] of Object.entries(entries)) {
  await esbuild.build({ ...shared, entryPoints: [source], outfile: `${out}.cjs`, sourcemap: true });
  const codeCache = path.relative(path.dirname(out), 'dist/startup/codeCache.js');
  const codeCacheImport = codeCache.startsWith('.') ? codeCache : `./${codeCache}`;
  const name = path.basename(out);
  await writeFile(
    `${out}.js`,
    `${source === 'src/cli.ts' ? '#!/usr/bin/env node\n' : ''}import { runBundle } from '${codeCacheImport}';\nrunBundle(new URL('./${name}.cjs', import.meta.url));\n`,
    { mode: 0o755 },
  );
  await rm(`${out}.js.map`, { force: true });
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
