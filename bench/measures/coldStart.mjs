#!/usr/bin/env node
// Cold start: spawn → every plugin active, for 0 to 500 small plugins. 0 plugins is the fixed
// cost (spawn Node, load the daemon, the LSP handshake); the rest shows how startup grows with
// the plugin count, and `initialized` → first plugin active shows whether the first plugin waits
// for the others (discovery, a whole-folder scan) before it runs.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { watch } from 'chokidar';
import {
  latencyTable,
  ms,
  percentile,
  row,
  runAlone,
  startDaemon,
  table,
  treeCpuMs,
  treeRss,
  writePlugin,
} from './common.mjs';

const pluginSource = (id) => `let state = { n: 0 };
export function activate(ctx) { ctx.subscriptions.push(ctx.commands.register('${id}.n', () => ++state.n)); }
export function saveState() { return state; }
export function restoreState(saved) { state = saved; }
`;

async function writePlugins(dir, count) {
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const id = `p${String(i).padStart(3, '0')}`;
    await writePlugin(dir, id, { 'index.js': pluginSource(id) });
  }
}

/** One spawn: its timings from the bench's clock, and the tree's RSS once all are active. */
/**
 * chokidar alone, in this process, on the same folder: watch → ready. The daemon watches the
 * folder before it reads it (so that nothing written meanwhile is missed), and its first plugin
 * loads after that.
 */
async function watcherScan(dir) {
  const started = performance.now();
  const watcher = watch(dir, { ignoreInitial: true });
  await new Promise((resolve) => watcher.once('ready', resolve));
  const ms = performance.now() - started;
  await watcher.close();
  return ms;
}

async function spawnOnce(dir, count, cli) {
  const spawnedAt = performance.now();
  const daemon = startDaemon(dir, [], cli);
  try {
    await daemon.client.initialize('bench-measures');
    const initializedAt = performance.now();
    if (count === 0) {
      return {
        total: initializedAt - spawnedAt,
        cpuMs: treeCpuMs(daemon.child.pid),
        rss: treeRss(daemon.child.pid),
      };
    }
    // The 500 case takes seconds on 2 busy cores: a generous limit, not a hang.
    const startup = await daemon.waitFor(
      (all) => {
        const loads = all.filter((r) => r.trigger === 'startup');
        return new Set(loads.map((r) => r.id)).size === count && loads;
      },
      180_000,
      `${count} startup loads`,
    );
    const ok = startup.filter((r) => r.ok);
    const first = ok.reduce((a, b) => (b.at < a.at ? b : a));
    return {
      total: Math.max(...ok.map((r) => r.at)) - spawnedAt,
      initializedToFirst: first.at - initializedAt,
      // The rest of initialized → first active is spent before that load began.
      firstLoadMs: first.durationMs,
      failed: startup.length - ok.length,
      cpuMs: treeCpuMs(daemon.child.pid),
      rss: treeRss(daemon.child.pid),
    };
  } finally {
    await daemon.stop();
  }
}

export async function measureColdStart(root, options = {}) {
  const {
    counts = options.quick ? [0, 10, 100] : [0, 10, 100, 500],
    spawns = options.quick ? 1 : 3,
    log = () => {},
  } = options;
  const runs = new Map(counts.map((c) => [c, []]));
  for (const count of counts) await writePlugins(path.join(root, `plugins-${count}`), count);
  // Sizes alternate from spawn to spawn, so a slow moment of the machine hits one spawn of each.
  for (let s = 0; s < spawns; s++) {
    for (const count of counts) {
      const run = await spawnOnce(path.join(root, `plugins-${count}`), count, options.cli);
      run.watcherScanMs = await watcherScan(path.join(root, `plugins-${count}`));
      runs.get(count).push(run);
      log(`cold start: ${count} plugins, spawn ${s + 1}/${spawns}: ${run.total.toFixed(0)} ms`);
    }
  }
  const median = (values) => percentile(values, 0.5);
  const bySize = counts.map((count) => {
    const r = runs.get(count);
    return {
      count,
      spawns: r.length,
      totalMedian: median(r.map((x) => x.total)),
      totalMax: Math.max(...r.map((x) => x.total)),
      initializedToFirstMedian: count === 0 ? null : median(r.map((x) => x.initializedToFirst)),
      firstLoadMedian: count === 0 ? null : median(r.map((x) => x.firstLoadMs)),
      failed: r.reduce((n, x) => n + (x.failed ?? 0), 0),
      rssMbMedian: median(r.map((x) => x.rss.mb)),
      cpuMsMedian: median(r.map((x) => x.cpuMs)),
      watcherScanMsMedian: median(r.map((x) => x.watcherScanMs)),
      processes: Math.max(...r.map((x) => x.rss.processes)),
    };
  });
  const zero = bySize.find((s) => s.count === 0);
  return {
    spawns,
    bySize,
    ratios: bySize
      .filter((s) => s.count >= 100 && zero)
      .map((s) => ({ what: `${s.count}/0`, ratio: s.totalMedian / zero.totalMedian })),
    rows: bySize
      .filter((s) => s.count >= 100)
      .map((s) =>
        row(
          `\`initialized\` sent → first plugin active, ${s.count} plugins`,
          runs.get(s.count).map((x) => x.initializedToFirst),
        ),
      ),
  };
}

export function formatColdStart(r) {
  return [
    `**Cold start** — spawn → all plugins active (startup \`plugin/didReload\` ok for each; 0 plugins: spawn → \`initialize\` answered and \`initialized\` sent), median of ${r.spawns} spawns; RSS of the daemon's process tree once all are active:`,
    '',
    table(
      [
        'Plugins',
        'Spawns',
        'Spawn → all active (median)',
        'max',
        '`initialized` → first active (median)',
        'its `durationMs` (median)',
        'Failed loads',
        'RSS (median)',
        'Processes',
      ],
      r.bySize.map((s) => [
        s.count,
        s.spawns,
        ms(s.totalMedian),
        ms(s.totalMax),
        ms(s.initializedToFirstMedian),
        ms(s.firstLoadMedian),
        s.failed,
        `${s.rssMbMedian.toFixed(1)} MB`,
        s.processes,
      ]),
    ),
    '',
    latencyTable(r.rows),
    '',
    `Ratios of spawn → all active: ${r.ratios.map((x) => `${x.what} = ${x.ratio.toFixed(1)}×`).join(', ')}.`,
    ...cpuPerPlugin(r),
  ].join('\n');
}

/**
 * CPU each plugin adds to a start, in all of the daemon's threads and esbuild's process: what the
 * start of N plugins costs the machine beyond the empty start, divided by N (medians).
 */
function cpuPerPlugin(r) {
  const zero = r.bySize.find((s) => s.count === 0);
  if (!zero) return [];
  const each = r.bySize
    .filter((s) => s.count > 0)
    .map((s) => `${s.count}: ${((s.cpuMsMedian - zero.cpuMsMedian) / s.count).toFixed(1)} ms`);
  return [
    '',
    `CPU per plugin started, beyond the empty start (daemon's threads and esbuild): ${each.join(', ')}; the empty start ${zero.cpuMsMedian.toFixed(0)} ms.`,
    '',
    `chokidar alone, watch → ready on the same folder (median): ${r.bySize
      .filter((s) => s.count > 0)
      .map((s) => `${s.count}: ${s.watcherScanMsMedian.toFixed(0)} ms`)
      .join(', ')}.`,
  ];
}

await runAlone(import.meta.url, measureColdStart, formatColdStart);
