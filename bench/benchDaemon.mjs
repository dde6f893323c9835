// Shared by the benchmarks: the built daemon, spawned over stdio as an editor spawns it.
import { fileURLToPath } from 'node:url';
import { spawnStdioDaemon } from '../dist/clients/index.js';

export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/**
 * The builds a measure compares, each as `[name, its dist/cli.js]`: this one, and with
 * BENCH_BASELINE=other/dist/cli.js that one too, which the measure runs in turn with this one.
 */
export function buildsToCompare() {
  const builds = [['this build', CLI]];
  const baseline = process.env.BENCH_BASELINE;
  if (baseline) builds.push([baseline, baseline]);
  return builds;
}

/**
 * Starts `reloadd serve --stdio` on `dir` (with `extraArgs`); `next(predicate)` resolves with the
 * next matching didReload.
 */
export function startBenchDaemon(dir, extraArgs = [], cli = CLI) {
  const { client, child } = spawnStdioDaemon(process.execPath, [
    cli,
    'serve',
    '--stdio',
    '--plugins',
    dir,
    '--log-level',
    'warn',
    ...extraArgs,
  ]);
  const listeners = new Set();
  client.onNotification({ method: 'plugin/didReload' }, (params) => {
    for (const listener of listeners) listener(params);
  });
  const next = (predicate) =>
    new Promise((resolve) => {
      const listener = (params) => {
        if (!predicate(params)) return;
        listeners.delete(listener);
        resolve(params);
      };
      listeners.add(listener);
    });
  const stop = async () => {
    await client.shutdown();
    await new Promise((resolve) => child.once('exit', resolve));
    client.dispose();
  };
  return { client, child, next, stop };
}
