#!/usr/bin/env node
// `npm run bench:memory`: does unloading a generation really free it? 1,000 reloads of a plugin
// that retains ~5 MB, measured as the resident memory of the daemon's whole process tree (the
// daemon, its plugin hosts, esbuild's service), against the cache-busting re-import that seed
// 000 plans (`import('./p.js?t=' + Date.now())`), measured the same way in the same run.
import { execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { spawnStdioDaemon } from '../dist/clients/index.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const RELOADS = Number(process.env.BENCH_RELOADS ?? 1000);
const WARMUP = 50;

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
  const { client, child } = spawnStdioDaemon(process.execPath, [
    CLI,
    'serve',
    '--stdio',
    '--plugins',
    dir,
    '--log-level',
    'warn',
  ]);
  let loaded;
  const ready = new Promise((resolve) => (loaded = resolve));
  client.onNotification({ method: 'plugin/didReload' }, (r) => r.trigger === 'startup' && loaded());
  await client.initialize('bench');
  await ready;
  const reload = async () => {
    const { results } = await client.connection.sendRequest('plugin/reload', { id: 'big' });
    if (!results[0].ok) throw new Error(JSON.stringify(results[0]));
  };
  for (let i = 0; i < WARMUP; i++) await reload();
  const before = treeRssMb(child.pid);
  const start = performance.now();
  for (let i = 0; i < RELOADS; i++) await reload();
  const seconds = (performance.now() - start) / 1000;
  const after = treeRssMb(child.pid);
  await client.shutdown();
  await new Promise((resolve) => child.once('exit', resolve));
  client.dispose();
  return { before, after, seconds };
}

/** The same plugin re-imported with a cache-busting query, as seed 000 plans, in a fresh Node. */
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
    globalThis.gc?.();
    const before = rss();
    const start = performance.now();
    for (let i = 0; i < ${RELOADS}; i++) {
      current = await import(url + '?t=' + i);
      current.activate({ subscriptions: [], commands: { register: () => ({ dispose() {} }) } });
    }
    globalThis.gc?.();
    console.log(JSON.stringify({ before, after: rss(), seconds: (performance.now() - start) / 1000 }));
  `;
  const out = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--input-type=module', '-e', driver], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.on('exit', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`driver exited with ${code}`)),
    );
  });
  return JSON.parse(out);
}

const mb = (v) => `${v.toFixed(1)} MB`;
const root = await mkdtemp(path.join(os.tmpdir(), 'reloadd-membench-'));
try {
  const ours = await reloaddReloads(root);
  const busting = await cacheBustingReimports(root);
  console.log(
    `reloadd memory benchmark — node ${process.version}, ${os.cpus().length} cores, ${RELOADS} reloads of a plugin retaining ~5 MB (after ${WARMUP} warm-up reloads)`,
  );
  console.log('');
  console.log('| Approach | RSS before | RSS after | Growth | Time |');
  console.log('| --- | --- | --- | --- | --- |');
  console.log(
    `| reloadd (fresh realm per generation; daemon + hosts + esbuild) | ${mb(ours.before)} | ${mb(ours.after)} | ${mb(ours.after - ours.before)} | ${ours.seconds.toFixed(1)} s |`,
  );
  console.log(
    `| Cache-busting re-import (\`import('./p.mjs?t=' + i)\`) | ${mb(busting.before)} | ${mb(busting.after)} | ${mb(busting.after - busting.before)} | ${busting.seconds.toFixed(1)} s |`,
  );
} finally {
  await rm(root, { recursive: true, force: true });
}
