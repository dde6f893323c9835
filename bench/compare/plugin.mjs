// The one small plugin every tool of the comparison reloads, and the folders it lives in.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const PLUGIN_ID = 'cmp';

/**
 * The plugin's source at `version`. Its module state counts activations: a tool that hands state
 * over keeps counting (reloadd, and the hosts of `bun --hot`, hot-hook and dynohot, through
 * saveState/restoreState; Vite with `handover`, through `data`); the others start again at 1.
 * Every tool gets the same code; `vite` only adds what Vite's HMR needs to update a module in
 * place at all (a self-accept: without a boundary Vite reloads everything) and to tell the host:
 * 'accept' just that, 'handover' also the state, from each version to the next through
 * `import.meta.hot.dispose`/`data`.
 */
export function pluginSource(version, { vite } = {}) {
  const handover =
    vite === 'handover'
      ? `
// Vite: the version before left its state in \`data\` as it was disposed; this one goes on from it.
if (import.meta.hot.data.state) restoreState(import.meta.hot.data.state);
import.meta.hot.dispose((data) => { data.state = saveState(); });
`
      : '';
  const accept = vite
    ? `
// Vite: accept this module's own updates (a save re-evaluates just this file), and hand every
// evaluated copy to the host, which activates it: after an update, and after a full reload too.
import.meta.hot.accept();${handover}
globalThis.__benchHost.activate({ activate });
`
    : '';
  return `const VERSION = ${JSON.stringify(version)};
let state = { count: 0 };
export function activate(ctx) {
  state.count += 1;
  // reloadd: a command the harness asks at the end; the other hosts: a line on stdout.
  if (ctx.commands) {
    ctx.subscriptions.push(
      ctx.commands.register('${PLUGIN_ID}.get', () => ({ version: VERSION, count: state.count })),
    );
  }
  ctx.report?.(VERSION, state.count);
}
export function saveState() { return state; }
// reloadd calls this right after activate, the other hosts that hand state over right before:
// add the activations of the generations before.
export function restoreState(saved) { state.count += saved.count; }
${accept}`;
}

/** A reloadd plugins folder holding the plugin; returns the file a save rewrites. */
export async function writeReloaddPlugin(pluginsDir, version) {
  const dir = path.join(pluginsDir, PLUGIN_ID);
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, 'plugin.json'),
    JSON.stringify({ id: PLUGIN_ID, version: '1.0.0', main: 'index.js' }),
  );
  const file = path.join(dir, 'index.js');
  await writeFile(file, pluginSource(version));
  return file;
}

/**
 * A tool's folder for the line-printing tools: `plugin/index.js`, and a package.json saying the
 * `.js` files are ES modules (Node would otherwise have to guess, and warn). Returns the file a
 * save rewrites.
 */
export async function writeHostFolder(dir, version, options) {
  await mkdir(path.join(dir, 'plugin'), { recursive: true });
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  const file = path.join(dir, 'plugin', 'index.js');
  await writeFile(file, pluginSource(version, options));
  return file;
}
