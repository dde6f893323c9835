#!/usr/bin/env node
// Shared module: 50 plugins import `../_shared/lib.js`; one edit of it must reload all 50. How
// long until the first and the 50th reload arrive, which trigger they carry, and does any plugin
// reload twice or not at all?
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  latencyTable,
  row,
  runAlone,
  sleep,
  startDaemon,
  table,
  threadCpuMs,
  treeCpuMs,
  writePlugin,
} from './common.mjs';

const libSource = (version) => `export const LIB = ${JSON.stringify(version)};\n`;
const pluginSource = (id) => `import { LIB } from '../_shared/lib.js';
export function activate(ctx) { ctx.subscriptions.push(ctx.commands.register('${id}.get', () => LIB)); }
`;

export async function measureSharedModule(root, options = {}) {
  const { plugins = 50, edits = options.quick ? 3 : 10, gapMs = 1000, log = () => {} } = options;
  const dir = path.join(root, 'shared');
  const ids = Array.from({ length: plugins }, (_, i) => `s${String(i).padStart(2, '0')}`);
  await mkdir(path.join(dir, '_shared'), { recursive: true });
  const lib = path.join(dir, '_shared', 'lib.js');
  await writeFile(lib, libSource('v0'));
  for (const id of ids) await writePlugin(dir, id, { 'index.js': pluginSource(id) });
  const daemon = startDaemon(dir, [], options.cli);
  const perEdit = [];
  let stale = [];
  /** CPU the daemon's process tree used from each save to its last reload, summed. */
  let cpuMs = 0;
  /** The same by thread: the main thread, each other thread by id, esbuild's process. */
  const byThread = { main: 0, threads: new Map(), children: 0 };
  try {
    await daemon.ready(ids, 120_000);
    for (let e = 1; e <= edits; e++) {
      await sleep(gapMs);
      const savedAt = performance.now();
      const since = (r) => r.at >= savedAt && r.trigger !== 'startup' && ids.includes(r.id);
      const cpuBefore = treeCpuMs(daemon.child.pid);
      const threadsBefore = threadCpuMs(daemon.child.pid);
      await writeFile(lib, libSource(`v${e}`));
      await daemon.waitFor(
        (all) => new Set(all.filter(since).map((r) => r.id)).size === plugins,
        30_000,
        `all ${plugins} plugins reloaded after edit ${e}`,
      );
      cpuMs += treeCpuMs(daemon.child.pid) - cpuBefore;
      const threadsAfter = threadCpuMs(daemon.child.pid);
      byThread.main += threadsAfter.main - threadsBefore.main;
      byThread.children += threadsAfter.children - threadsBefore.children;
      for (const [tid, ms] of threadsAfter.threads) {
        const used = ms - (threadsBefore.threads.get(tid) ?? 0);
        byThread.threads.set(tid, (byThread.threads.get(tid) ?? 0) + used);
      }
      perEdit.push({ savedAt, since });
      log(`shared module: edit ${e}/${edits}`);
    }
    // Strays of the last edit arrive within this wait; those of earlier edits, before the next.
    await sleep(gapMs);
    const answers = await Promise.all(ids.map((id) => daemon.command(`${id}.get`)));
    stale = ids.filter((_, i) => answers[i] !== `v${edits}`);
  } finally {
    await daemon.stop();
  }
  const edited = perEdit.map(({ savedAt, since }, i) => {
    const until = perEdit[i + 1]?.savedAt ?? Number.POSITIVE_INFINITY;
    const reloads = daemon.reloads.filter((r) => since(r) && r.at < until);
    return { savedAt, reloads };
  });
  const all = edited.flatMap((e) => e.reloads);
  const triggers = {};
  for (const r of all) triggers[r.trigger] = (triggers[r.trigger] ?? 0) + 1;
  return {
    plugins,
    edits,
    gapMs,
    triggers,
    // More than one reload of a plugin for one edit.
    extraReloads: all.length - plugins * edits,
    failedReloads: all.filter((r) => !r.ok).length,
    failures: all.filter((r) => !r.ok).map((r) => `${r.id}: ${r.error?.code} ${r.error?.message}`),
    stalePlugins: stale,
    rows: [
      row(
        'Save → 1st `plugin/didReload`',
        edited.map((e) => e.reloads[0].at - e.savedAt),
      ),
      row(
        `Save → ${plugins}th \`plugin/didReload\``,
        edited.map((e) => e.reloads[plugins - 1].at - e.savedAt),
      ),
    ],
    cpuPerReloadMs: cpuMs / (plugins * edits),
    cpuPerReload: perReload(byThread, plugins * edits),
    maxSaveTo1st: Math.max(...edited.map((e) => e.reloads[0].at - e.savedAt)),
    maxSaveToLast: Math.max(...edited.map((e) => e.reloads[plugins - 1].at - e.savedAt)),
  };
}

/** CPU by thread, per reload. */
function perReload(byThread, reloads) {
  const others = [...byThread.threads.values()].sort((a, b) => b - a);
  const busiest = others[0] ?? 0;
  const rest = others.slice(1).reduce((a, b) => a + b, 0);
  return {
    main: byThread.main / reloads,
    busiest: busiest / reloads,
    rest: rest / reloads,
    children: byThread.children / reloads,
  };
}

export function formatSharedModule(r) {
  const triggers = Object.entries(r.triggers)
    .map(([t, n]) => `\`${t}\` × ${n}`)
    .join(', ');
  return [
    `**Shared module** — ${r.plugins} plugins importing \`../_shared/lib.js\`; ${r.edits} edits of lib.js ${r.gapMs} ms apart:`,
    '',
    table(
      [
        'Triggers seen',
        'Reloads beyond one per plugin per edit',
        'Failed',
        'Plugins not on the last version',
      ],
      [[triggers, r.extraReloads, r.failedReloads, r.stalePlugins.length]],
    ),
    '',
    latencyTable(r.rows),
    '',
    `Max: save → 1st ${r.maxSaveTo1st.toFixed(1)} ms, save → ${r.plugins}th ${r.maxSaveToLast.toFixed(1)} ms.`,
    '',
    `CPU per plugin reloaded, from the save to the ${r.plugins}th \`plugin/didReload\`, in all of the daemon's threads and esbuild's process: ${r.cpuPerReloadMs.toFixed(1)} ms (the ${r.plugins} reloads take at least ${r.plugins} × that ÷ the cores): the daemon's main thread ${r.cpuPerReload.main.toFixed(1)} ms, its busiest other thread (the plugin host's) ${r.cpuPerReload.busiest.toFixed(1)} ms, its other threads (V8's collector and compiler, libuv's pool, the watchdog's) ${r.cpuPerReload.rest.toFixed(1)} ms, esbuild's process ${r.cpuPerReload.children.toFixed(1)} ms; the rest is threads that ended in between.`,
    ...r.failures.map((f) => `\nFailed: ${f}`),
  ].join('\n');
}

await runAlone(import.meta.url, measureSharedModule, formatSharedModule);
