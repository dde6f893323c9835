// The tools compared. Each `start(dir)` sets the tool up in its own folder, waits until it runs
// version v0, and returns a session: `save(version)` rewrites the plugin and resolves with the ms
// from just before the write to the moment the harness sees that version active;
// `finalState()` says how many activations the plugin counted against how many reloads ran.
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startBenchDaemon } from '../benchDaemon.mjs';
import { startLineTool } from './lineTool.mjs';
import { PLUGIN_ID, pluginSource, writeHostFolder, writeReloaddPlugin } from './plugin.mjs';

/** A save not seen within this long is counted as missed (the slowest tool needs < 1 s). */
export const SAVE_TIMEOUT_MS = 5000;
const START_TIMEOUT_MS = 30_000;

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const require = createRequire(import.meta.url);

async function packageInfo(name) {
  const file = require.resolve(`${name}/package.json`);
  const json = JSON.parse(await readFile(file, 'utf8'));
  const bin = typeof json.bin === 'string' ? json.bin : json.bin?.[name];
  return { version: json.version, bin: bin && path.join(path.dirname(file), bin) };
}

/** The next didReload times of successful file reloads, buffered so none is missed between awaits. */
function arrivals() {
  let times = [];
  let wake = null;
  return {
    push(at) {
      times.push(at);
      wake?.();
    },
    /** Takes every time received so far, maybe none. */
    drain() {
      const taken = times;
      times = [];
      return taken;
    },
    /** Resolves with every time received so far (at least one), or rejects after `timeoutMs`. */
    async take(timeoutMs) {
      if (times.length === 0) {
        let timer;
        await new Promise((resolve, reject) => {
          wake = resolve;
          timer = setTimeout(
            () => reject(new Error(`no plugin/didReload within ${timeoutMs} ms`)),
            timeoutMs,
          );
        }).finally(() => {
          clearTimeout(timer);
          wake = null;
        });
      }
      return this.drain();
    },
  };
}

async function startReloadd(dir, extraArgs, cli) {
  const pluginsDir = path.join(dir, 'plugins');
  const file = await writeReloaddPlugin(pluginsDir, 'v0');
  const daemon = startBenchDaemon(pluginsDir, extraArgs, cli);
  const reloads = arrivals();
  let okReloads = 0;
  daemon.client.onNotification({ method: 'plugin/didReload' }, (r) => {
    if (r.id !== PLUGIN_ID || r.trigger !== 'file' || !r.ok) return;
    okReloads += 1;
    reloads.push(performance.now());
  });
  const get = () =>
    daemon.client.connection.sendRequest('plugin/executeCommand', { command: `${PLUGIN_ID}.get` });
  const loaded = daemon.next((r) => r.id === PLUGIN_ID && r.trigger === 'startup');
  try {
    await daemon.client.initialize('compare-bench');
    const first = await Promise.race([loaded, sleep(START_TIMEOUT_MS)]);
    if (!first?.ok) throw new Error(`reloadd did not load the plugin: ${JSON.stringify(first)}`);
  } catch (error) {
    // Not a session yet, so nothing else would stop it.
    daemon.child.kill('SIGKILL');
    throw error;
  }

  return {
    child: daemon.child,
    async save(version) {
      reloads.drain();
      const start = performance.now();
      await writeFile(file, pluginSource(version));
      // didReload does not say which content it loaded: ask the plugin (outside the timing).
      // A reload of a half-written file would be followed by another; the one that counts is
      // the last one received before the answer naming the new version.
      for (;;) {
        const last = (await reloads.take(SAVE_TIMEOUT_MS)).at(-1);
        const now = await get();
        if (now.version === version) return (reloads.drain().at(-1) ?? last) - start;
      }
    },
    async finalState() {
      const { count } = await get();
      return { count, reloads: okReloads };
    },
    async stop() {
      const killer = setTimeout(() => daemon.child.kill('SIGKILL'), 5000);
      try {
        await daemon.stop();
      } finally {
        clearTimeout(killer);
      }
    },
  };
}

/** A tool that prints READY lines: spawned, waited for at v0. */
async function startPrinting(dir, { command, args, viteAccept = false, host = false }) {
  const file = await writeHostFolder(dir, 'v0', { viteAccept });
  if (host) await copyFile(here('./host.mjs'), path.join(dir, 'host.mjs'));
  const tool = startLineTool(command, args, { cwd: dir });
  try {
    await tool.waitFor('v0', START_TIMEOUT_MS);
  } catch (error) {
    await tool.stop();
    throw error;
  }
  return {
    child: tool.child,
    async save(version) {
      const seen = tool.waitFor(version, SAVE_TIMEOUT_MS);
      const start = performance.now();
      await writeFile(file, pluginSource(version, { viteAccept }));
      return (await seen) - start;
    },
    async finalState() {
      const last = tool.reports.at(-1);
      return { count: last.count, reloads: tool.reports.length - 1 };
    },
    stop: tool.stop,
  };
}

/** The rows of the comparison, in table order; `reloadd` is the one the others are divided by. */
export async function comparedTools() {
  const node = process.execPath;
  const [vite, nodemon, tsx] = await Promise.all(
    ['vite', 'nodemon', 'tsx'].map((name) => packageInfo(name)),
  );
  return [
    {
      key: 'reloadd',
      what: 'reloadd, default settings: save → `plugin/didReload`',
      start: (dir) => startReloadd(dir, []),
    },
    // A/B: another build of reloadd (BENCH_BASELINE=path/to/its/dist/cli.js), save for save.
    ...(process.env.BENCH_BASELINE
      ? [
          {
            key: 'reloadd-baseline',
            what: `reloadd at ${process.env.BENCH_BASELINE}, default settings`,
            start: (dir) => startReloadd(dir, [], process.env.BENCH_BASELINE),
          },
        ]
      : []),
    {
      key: 'reloadd-debounce0',
      what: 'reloadd `--debounce 0`: save → `plugin/didReload`',
      start: (dir) => startReloadd(dir, ['--debounce', '0']),
    },
    {
      key: 'floor',
      what: 'Floor: chokidar 5 → esbuild → fresh `vm` realm, one process (`compare/floor.mjs`)',
      start: (dir) =>
        startPrinting(dir, {
          command: node,
          args: [here('./floor.mjs'), path.join(dir, 'plugin')],
        }),
    },
    {
      key: 'vite',
      what: `Vite ${vite.version} HMR: \`ModuleRunner\`, self-accepting module, same realm`,
      start: (dir) =>
        startPrinting(dir, {
          command: node,
          args: [here('./vite-host.mjs'), dir],
          viteAccept: true,
        }),
    },
    {
      key: 'nodemon',
      what: `nodemon ${nodemon.version} restarting the host (defaults, \`--watch plugin\`)`,
      start: (dir) =>
        startPrinting(dir, {
          command: node,
          args: [nodemon.bin, '--watch', 'plugin', 'host.mjs'],
          host: true,
        }),
    },
    {
      key: 'node-watch',
      what: `\`node --watch host.mjs\` (Node ${process.version})`,
      start: (dir) =>
        startPrinting(dir, { command: node, args: ['--watch', 'host.mjs'], host: true }),
    },
    {
      key: 'tsx',
      what: `\`tsx watch host.mjs\` (tsx ${tsx.version})`,
      start: (dir) =>
        startPrinting(dir, { command: node, args: [tsx.bin, 'watch', 'host.mjs'], host: true }),
    },
  ];
}
