#!/usr/bin/env node
// `npm run bench` (alone: `node bench/host-bench.mjs`): what a process host costs beside a worker
// host, in the same run. For each kind: the first load of a plugin in a host of its own (the host
// starts, then the plugin is built and activated: the startup didReload's durationMs), the memory
// each such host adds (10 plugins, each with a host of its own), and plugin/reload round trips.
// BENCH_QUICK=1 takes small counts.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startBenchDaemon } from './benchDaemon.mjs';
import { percentile, table } from './measures/common.mjs';

const quick = process.env.BENCH_QUICK === '1';
const STARTS = quick ? 3 : 7;
const HOSTS = 10;
const RELOADS = quick ? 10 : 50;
/** Each kind of host, as a manifest asks for it. */
const KINDS = {
  worker: { isolation: 'dedicated' },
  process: { isolation: 'process' },
  // `permissions`: a process host under Node's permission model, jailed by bubblewrap.
  jailed: { permissions: { fs: { read: ['.'] } } },
};
const LABELS = {
  worker: 'worker thread (`dedicated`)',
  process: 'child process (`process`)',
  jailed: 'jailed process (`permissions`, bubblewrap)',
};

const root = await mkdtemp(path.join(os.tmpdir(), 'reloadd-host-bench-'));
const source = `let state = { n: 0 };
export function activate(ctx) { ctx.subscriptions.push(ctx.commands.register(ctx.id + '.inc', () => ++state.n)); }
export function saveState() { return state; }
export function restoreState(s) { state = s; }
`;

async function folder(name, count, fields) {
  const dir = path.join(root, name);
  for (let i = 0; i < count; i++) {
    const id = `p${i}`;
    await mkdir(path.join(dir, id), { recursive: true });
    await writeFile(
      path.join(dir, id, 'plugin.json'),
      JSON.stringify({ id, main: 'index.js', ...fields }),
    );
    await writeFile(path.join(dir, id, 'index.js'), source);
  }
  if (count === 0) await mkdir(dir, { recursive: true });
  return dir;
}

async function withDaemon(dir, work) {
  const daemon = startBenchDaemon(dir);
  try {
    const loaded = daemon.next((r) => r.trigger === 'startup');
    await daemon.client.initialize('host-bench');
    return await work(daemon, loaded);
  } finally {
    await daemon.stop();
  }
}

const results = Object.fromEntries(
  Object.keys(KINDS).map((kind) => [kind, { starts: [], rss: 0, reloads: [] }]),
);
const empty = await folder('empty', 0, {});
const baseline = await withDaemon(
  empty,
  async (d) => (await d.client.request({ method: 'daemon/status' }, undefined)).memory.rssBytes,
);

for (let round = 0; round < STARTS; round++) {
  // Interleaved, so that whatever the machine does meanwhile falls on both alike.
  for (const [kind, fields] of Object.entries(KINDS)) {
    const dir = await folder(`start-${kind}-${round}`, 1, fields);
    await withDaemon(dir, async (_d, loaded) =>
      results[kind].starts.push((await loaded).durationMs),
    );
  }
}

for (const [kind, fields] of Object.entries(KINDS)) {
  const dir = await folder(`many-${kind}`, HOSTS, fields);
  await withDaemon(dir, async (d) => {
    for (let n = 0; n < 100; n++) {
      const { plugins } = await d.client.request({ method: 'plugin/list' }, undefined);
      if (plugins.filter((p) => p.status === 'active').length === HOSTS) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const { memory } = await d.client.request({ method: 'daemon/status' }, undefined);
    const own = memory.hosts.reduce((sum, h) => sum + (h.rssBytes ?? 0), 0);
    // A worker host lives in the daemon's process; a process host beside it.
    results[kind].rss = (memory.rssBytes - baseline + own) / HOSTS;
    for (let i = 0; i < RELOADS; i++) {
      const started = performance.now();
      await d.client.request({ method: 'plugin/reload' }, { id: 'p0' });
      results[kind].reloads.push(performance.now() - started);
    }
  });
}
await rm(root, { recursive: true, force: true });

const ms = (v) => `${v.toFixed(1)} ms`;
const mb = (v) => `${(v / (1024 * 1024)).toFixed(1)} MB`;
console.log(`## Process hosts beside worker hosts\n`);
console.log(
  table(
    [
      'Host',
      'First load in a new host, p50',
      'Memory per host',
      'plugin/reload round trip, p50',
      'p95',
    ],
    Object.entries(results).map(([kind, r]) => [
      LABELS[kind],
      `${ms(percentile(r.starts, 0.5))} (${r.starts.length} runs)`,
      mb(r.rss),
      ms(percentile(r.reloads, 0.5)),
      ms(percentile(r.reloads, 0.95)),
    ]),
  ),
);
const ratio = (a, b) => (a / b).toFixed(1);
const costs = (kind, base) =>
  `×${ratio(percentile(results[kind].starts, 0.5), percentile(results[base].starts, 0.5))} its first load, ×${ratio(results[kind].rss, results[base].rss)} its memory, and ×${ratio(percentile(results[kind].reloads, 0.5), percentile(results[base].reloads, 0.5))} its reload round trip (p50)`;
console.log(`\nA process host costs, beside a worker host, ${costs('process', 'worker')}.`);
console.log(`A jailed process host costs, beside a process host, ${costs('jailed', 'process')}.`);
