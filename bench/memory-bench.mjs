#!/usr/bin/env node
// `npm run bench:memory`: does unloading a generation really free it? 1,000 reloads of a plugin
// that retains ~5 MB, measured as the resident memory of the daemon's whole process tree (the
// daemon, its plugin hosts, esbuild's service), against the cache-busting re-import that the
// Red editor's hot-reload plan names (`import('./p.js?t=' + Date.now())`), measured the same way in the same run.
import { execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startBenchDaemon } from './benchDaemon.mjs';

const RELOADS = Number(process.env.BENCH_RELOADS ?? 1000);
const WARMUP = 50;
/** RSS is read every this many reloads; one reading is noisy (it depends on where GC is). */
const SAMPLE_EVERY = 20;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Growth as the median of the last ten readings minus the median of the first ten. */
function growth(samples) {
  const before = median(samples.slice(0, 10));
  const after = median(samples.slice(-10));
  return { before, after, peak: Math.max(...samples) };
}

// ~5 MB on the JS heap: 50,000 small objects with a string each.
const RETAINING_PLUGIN = `
const retained = Array.from({ length: 50000 }, (_, i) => ({ i, label: 'entry number ' + i, at: i * 2 }));
export function activate(ctx) {
  ctx.subscriptions.push(ctx.commands.register('big.size', () => retained.length));
}
`;

/** Resident set size of a process and all its descendants, in MB (Linux /proc). */
function treeRssMb(pid) {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    try {
      const children = execFileSync('pgrep', ['-P', String(pids[i])], { encoding: 'utf8' }).trim();
      if (children) pids.push(...children.split('\n').map(Number));
    } catch {
      // pgrep exits 1 when there are no children.
    }
  }
  let kb = 0;
  for (const p of pids) {
    try {
      const status = execFileSync('cat', [`/proc/${p}/status`], { encoding: 'utf8' });
      kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return kb / 1024;
}

async function reloaddReloads(root) {
  const dir = path.join(root, 'reloadd');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'big.js'), RETAINING_PLUGIN);
  const daemon = startBenchDaemon(dir);
  const { client, child } = daemon;
  let notCollected = 0;
  client.onNotification({ method: 'plugin/publishDiagnostics' }, ({ diagnostics }) => {
    notCollected += diagnostics.filter((d) => d.code === 'RELOADD_UNLOAD_INCOMPLETE').length;
  });
  const ready = daemon.next((r) => r.trigger === 'startup');
  await client.initialize('bench');
  await ready;
  const reload = async () => {
    const { results } = await client.connection.sendRequest('plugin/reload', { id: 'big' });
    if (!results[0].ok) throw new Error(JSON.stringify(results[0]));
  };
  for (let i = 0; i < WARMUP; i++) await reload();
  const samples = [];
  const start = performance.now();
  for (let i = 0; i < RELOADS; i++) {
    if (i % SAMPLE_EVERY === 0) samples.push(treeRssMb(child.pid));
    await reload();
  }
  samples.push(treeRssMb(child.pid));
  const seconds = (performance.now() - start) / 1000;
  // The host's last unload checks run within about two seconds of the last reload.
  await new Promise((resolve) => setTimeout(resolve, 2500));
  await daemon.stop();
  return { ...growth(samples), seconds, notCollected };
}

/** The same plugin re-imported with a cache-busting query, as the Red editor's hot-reload plan has it, in a fresh Node. */
async function cacheBustingReimports(root) {
  const dir = path.join(root, 'cache-busting');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'big.mjs'), RETAINING_PLUGIN);
  const driver = `
    import { pathToFileURL } from 'node:url';
    const url = pathToFileURL(${JSON.stringify(path.join(dir, 'big.mjs'))}).href;
    const rss = () => process.memoryUsage().rss / 1024 / 1024;
    let current;
    for (let i = 0; i < ${WARMUP}; i++) current = await import(url + '?t=w' + i);
    const samples = [];
    const start = performance.now();
    for (let i = 0; i < ${RELOADS}; i++) {
      if (i % ${SAMPLE_EVERY} === 0) samples.push(rss());
      current = await import(url + '?t=' + i);
      current.activate({ subscriptions: [], commands: { register: () => ({ dispose() {} }) } });
    }
    samples.push(rss());
    console.log(JSON.stringify({ samples, seconds: (performance.now() - start) / 1000 }));
  `;
  const out = await new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--max-old-space-size=16384', '--input-type=module', '-e', driver],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.on('exit', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`driver exited with ${code}`)),
    );
  });
  const { samples, seconds } = JSON.parse(out);
  return { ...growth(samples), seconds };
}

/** Spawn → every one of `count` plugins active; then the process tree's RSS. */
async function manyPlugins(root, count) {
  const dir = path.join(root, `many-${count}`);
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    await writeFile(
      path.join(dir, `p${i}.js`),
      `let state = { n: 0 };\nexport function activate(ctx) { ctx.subscriptions.push(ctx.commands.register('p${i}.n', () => ++state.n)); }\nexport function saveState() { return state; }\nexport function restoreState(s) { state = s; }\n`,
    );
  }
  const start = performance.now();
  const daemon = startBenchDaemon(dir);
  const seen = new Set();
  const all = daemon.next((r) => {
    if (r.ok) seen.add(r.id);
    return seen.size === count;
  });
  await daemon.client.initialize('bench');
  await all;
  const seconds = (performance.now() - start) / 1000;
  const rss = treeRssMb(daemon.child.pid);
  await daemon.stop();
  return { seconds, rss };
}

const mb = (v) => `${v.toFixed(1)} MB`;
const root = await mkdtemp(path.join(os.tmpdir(), 'reloadd-membench-'));
try {
  const ours = await reloaddReloads(root);
  const busting = process.env.SKIP_BUSTING ? undefined : await cacheBustingReimports(root);
  const many = await manyPlugins(root, 100);
  console.log(`reloadd memory benchmark — node ${process.version}, ${os.cpus().length} cores`);
  console.log('');
  console.log(
    `${RELOADS} reloads of a plugin that retains ~5 MB (after ${WARMUP} warm-up reloads):`,
  );
  console.log('');
  console.log('| Approach | RSS at start | RSS at end | Growth | Peak | Time |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  const row = (name, r) =>
    `| ${name} | ${mb(r.before)} | ${mb(r.after)} | ${mb(r.after - r.before)} | ${mb(r.peak)} | ${r.seconds.toFixed(1)} s |`;
  console.log(
    row('reloadd: a fresh realm per generation in a plugin host (daemon + host + esbuild)', ours),
  );
  if (busting)
    console.log(
      row("Cache-busting re-import, `import('./p.mjs?t=' + i)` (one Node process)", busting),
    );
  console.log('');
  console.log(`Unloaded generations the host found still reachable: ${ours.notCollected}.`);
  console.log('');
  console.log(
    `RSS is read every ${SAMPLE_EVERY} reloads; start and end are the medians of the first and last ten readings.`,
  );
  console.log('');
  console.log(
    `100 plugins: spawn → all active in ${many.seconds.toFixed(2)} s; RSS then (daemon + host + esbuild): ${mb(many.rss)}.`,
  );
} finally {
  await rm(root, { recursive: true, force: true });
}
