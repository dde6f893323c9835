import { existsSync, readFileSync } from 'node:fs';

/**
 * Where reloadd is installed: the folder of its package.json, found by walking up from this
 * module. The same answer from the compiled modules (dist/daemon/…) and from the one bundled
 * file that `reloadd` runs (dist/cli.cjs), whose modules all share the bundle's URL.
 */
function findPackageRoot(from: URL): { root: URL; version: string } {
  let dir = new URL('.', from);
  for (;;) {
    const manifest = new URL('package.json', dir);
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'reloadd') return { root: dir, version: pkg.version };
    }
    const parent = new URL('..', dir);
    if (parent.href === dir.href) throw new Error(`reloadd's package.json not found above ${from}`);
    dir = parent;
  }
}

const found = findPackageRoot(new URL(import.meta.url));

export const PACKAGE_ROOT: URL = found.root;
/** Read from package.json at run time, so that the version is declared in one place. */
export const VERSION: string = found.version;
/** The plugin host's script: a worker thread runs it (bundled by `npm run build`). */
export const HOST_WORKER_SCRIPT = new URL('dist/daemon/worker/hostWorker.js', PACKAGE_ROOT);
/** The type-check thread's script (compiled by `npm run build`). */
export const TYPE_CHECK_WORKER_SCRIPT = new URL(
  'dist/daemon/typechecking/typeCheckWorker.js',
  PACKAGE_ROOT,
);
/** What `reloadd/plugin` declares, for the type checks of plugins that do not install reloadd. */
export const PLUGIN_TYPES = new URL('dist/plugin/index.d.ts', PACKAGE_ROOT);
/** The dashboard's built page and files (`npm run build` writes them from src/clients/dashboard). */
export const DASHBOARD_DIR = new URL('dist/dashboard/', PACKAGE_ROOT);
