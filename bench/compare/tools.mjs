// The tools compared. Each `start(dir)` sets the tool up in its own folder, waits until it runs
// version v0, and returns a session: `save(version)` rewrites the plugin and resolves with
// { ms, failedFirst }: the ms from just before the write to the moment the harness sees that
// version active, and whether a load failed in between (a file read before its write was over);
// `finalState()` says how many activations the plugin counted against how many reloads ran; `what`,
// when there, names the tool with the version it installed.
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startBenchDaemon } from '../benchDaemon.mjs';
import { startLineTool } from './lineTool.mjs';
import { installPeer, installRuntime } from './peers.mjs';
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
  let failedReloads = 0;
  daemon.client.onNotification({ method: 'plugin/didReload' }, (r) => {
    if (r.id !== PLUGIN_ID || r.trigger !== 'file') return;
    if (!r.ok) {
      failedReloads += 1;
      return;
    }
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
      const failedBefore = failedReloads;
      const start = performance.now();
      await writeFile(file, pluginSource(version));
      // didReload does not say which content it loaded: ask the plugin (outside the timing).
      // A reload of a half-written file would be followed by another; the one that counts is
      // the last one received before the answer naming the new version.
      for (;;) {
        const last = (await reloads.take(SAVE_TIMEOUT_MS)).at(-1);
        const now = await get();
        if (now.version === version) {
          const ms = (reloads.drain().at(-1) ?? last) - start;
          return { ms, failedFirst: failedReloads > failedBefore };
        }
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

/**
 * A tool that prints READY lines: spawned, waited for at v0. `host` names the plugin host of
 * `compare/` it runs, copied into its folder as `host.mjs`; `vite` is the plugin's Vite addition.
 */
async function startPrinting(dir, { command, args, vite, host, env }) {
  const file = await writeHostFolder(dir, 'v0', { vite });
  if (host) await copyFile(here(`./${host}`), path.join(dir, 'host.mjs'));
  const tool = startLineTool(command, args, { cwd: dir, env });
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
      await writeFile(file, pluginSource(version, { vite }));
      const at = await seen;
      return { ms: at - start, failedFirst: tool.failedLoads.some((t) => t >= start && t <= at) };
    },
    async finalState() {
      const last = tool.reports.at(-1);
      return { count: last.count, reloads: tool.reports.length - 1 };
    },
    stop: tool.stop,
  };
}

/**
 * A peer that the bench installs itself (`peers.mjs`): `install()` resolves with the installed
 * package, `spawn(peer, dir)` with what startPrinting needs; the row names the installed version.
 */
function installedTool({ install, spawn, name }) {
  return async (dir) => {
    const peer = await install();
    const session = await startPrinting(dir, spawn(peer));
    return { ...session, what: name(peer.version) };
  };
}

/**
 * A Node loader from npm that hooks the host's imports, `node --import <name>/register host.mjs`,
 * with the host `<name>-host.mjs` of `compare/`; `register` is that file in its package.
 */
function loaderTool({ name, range, register, mechanism, isolation }) {
  return {
    key: name,
    what: `${name} ${range} (npm)`,
    mechanism,
    isolation,
    start: installedTool({
      install: () => installPeer(name, range),
      spawn: (peer) => ({
        command: process.execPath,
        args: ['--import', path.join(peer.packageDir, register), 'host.mjs'],
        host: `${name}-host.mjs`,
      }),
      name: (version) => `${name} ${version}: \`node --import ${name}/register\``,
    }),
  };
}

/** Deno answers to the terminal it has, not to a bench: no update check, no colours, no prompt. */
const DENO_ENV = { DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1' };

/**
 * The rows of the comparison, in table order; `reloadd` is the one the others are divided by.
 * `mechanism` and `isolation` say how each reloads and what keeps a plugin apart from its host.
 */
export async function comparedTools() {
  const node = process.execPath;
  const [vite, nodemon, tsx] = await Promise.all(
    ['vite', 'nodemon', 'tsx'].map((name) => packageInfo(name)),
  );
  const restart = {
    mechanism: 'restarts the host process',
    isolation: 'a process, state gone with it',
  };
  const reloaddKind = {
    mechanism: 'esbuild bundle → fresh `vm` realm; the daemon hands the state over',
    isolation: 'own realm in a worker thread with a heap cap, apart from the daemon',
  };
  return [
    {
      key: 'reloadd',
      what: 'reloadd, default settings: save → `plugin/didReload`',
      ...reloaddKind,
      start: (dir) => startReloadd(dir, []),
    },
    // A/B: another build of reloadd (BENCH_BASELINE=path/to/its/dist/cli.js), save for save.
    ...(process.env.BENCH_BASELINE
      ? [
          {
            key: 'reloadd-baseline',
            what: `reloadd at ${process.env.BENCH_BASELINE}, default settings`,
            ...reloaddKind,
            start: (dir) => startReloadd(dir, [], process.env.BENCH_BASELINE),
          },
        ]
      : []),
    {
      key: 'reloadd-debounce0',
      what: 'reloadd `--debounce 0`: save → `plugin/didReload`',
      ...reloaddKind,
      start: (dir) => startReloadd(dir, ['--debounce', '0']),
    },
    {
      key: 'floor',
      what: 'Floor: chokidar 5 → esbuild → fresh `vm` realm, one process (`compare/floor.mjs`)',
      mechanism: 'esbuild bundle → fresh `vm` realm, nothing else',
      isolation: 'own realm, on the watcher’s thread',
      start: (dir) =>
        startPrinting(dir, {
          command: node,
          args: [here('./floor.mjs'), path.join(dir, 'plugin')],
        }),
    },
    {
      key: 'vite',
      what: `Vite ${vite.version} HMR: \`ModuleRunner\`, self-accepting module, same realm`,
      mechanism: 'the `ModuleRunner` evaluates the self-accepting module again',
      isolation: 'none: the host’s realm and thread',
      start: (dir) =>
        startPrinting(dir, {
          command: node,
          args: [here('./vite-host.mjs'), dir],
          vite: 'accept',
        }),
    },
    {
      key: 'vite-handover',
      what: `Vite ${vite.version} HMR with state handover: \`import.meta.hot.dispose\` → \`data\``,
      mechanism: 'as Vite above; each version leaves its state in `data` for the next',
      isolation: 'none: the host’s realm and thread',
      start: (dir) =>
        startPrinting(dir, {
          command: node,
          args: [here('./vite-host.mjs'), dir],
          vite: 'handover',
        }),
    },
    {
      key: 'bun',
      what: 'Bun `bun --hot` (npm `bun@1`)',
      mechanism:
        'the same process evaluates the whole graph again; state handed over in `globalThis`',
      isolation: 'none: one realm for every version',
      start: installedTool({
        install: () => installRuntime('bun', '1'),
        spawn: (bun) => ({ command: bun.bin, args: ['--hot', 'host.mjs'], host: 'bun-host.mjs' }),
        name: (version) => `Bun ${version} \`bun --hot host.mjs\``,
      }),
    },
    loaderTool({
      name: 'hot-hook',
      range: '~1.0.0',
      register: 'build/src/register.js',
      mechanism:
        'Node loader hooks: a changed boundary resolves to a new URL, the host imports it and hands the state over',
      isolation: 'none: the host’s realm; every version stays in the module map',
    }),
    loaderTool({
      name: 'dynohot',
      range: '~1.2.0',
      register: 'dist/loader/register.js',
      mechanism:
        'Node loader hooks: modules rewritten to be evaluated again in place; the host accepts and hands the state over',
      isolation: 'none: the host’s realm and thread',
    }),
    {
      key: 'deno',
      what: 'Deno `deno run --watch-hmr` (npm `deno@2`)',
      mechanism:
        'V8 live edit of changed functions; a change at a module’s top level (the version constant here) restarts the process',
      isolation: 'a process when it restarts; none when it edits in place',
      start: installedTool({
        install: () => installRuntime('deno', '2'),
        spawn: (deno) => ({
          command: deno.bin,
          args: ['run', '--watch-hmr', 'host.mjs'],
          host: 'host.mjs',
          env: DENO_ENV,
        }),
        name: (version) => `Deno ${version} \`deno run --watch-hmr host.mjs\``,
      }),
    },
    {
      key: 'nodemon',
      what: `nodemon ${nodemon.version} restarting the host (defaults, \`--watch plugin\`)`,
      ...restart,
      start: (dir) =>
        startPrinting(dir, {
          command: node,
          args: [nodemon.bin, '--watch', 'plugin', 'host.mjs'],
          host: 'host.mjs',
        }),
    },
    {
      key: 'node-watch',
      what: `\`node --watch host.mjs\` (Node ${process.version})`,
      ...restart,
      start: (dir) =>
        startPrinting(dir, { command: node, args: ['--watch', 'host.mjs'], host: 'host.mjs' }),
    },
    {
      key: 'tsx',
      what: `\`tsx watch host.mjs\` (tsx ${tsx.version})`,
      ...restart,
      start: (dir) =>
        startPrinting(dir, {
          command: node,
          args: [tsx.bin, 'watch', 'host.mjs'],
          host: 'host.mjs',
        }),
    },
  ];
}
