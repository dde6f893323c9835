#!/usr/bin/env node
// Where a save's milliseconds go, from the write to the client's read of `plugin/didReload`: the
// file system and the watcher (write → the daemon's first event, from `timestamps.detected`), each
// phase the daemon names, and the notification's way to the client (`timestamps.sent` → read).
// `node bench/measures/savePath.mjs [SAVES]` prints the medians; with BENCH_BASELINE=other
// build's dist/cli.js, both builds side by side, saved in turn (an A/B in one run).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { buildsToCompare, startBenchDaemon } from '../benchDaemon.mjs';
import { pluginSource, writeReloaddPlugin } from '../compare/plugin.mjs';

const WARMUP = 3;
const GAP_MS = 150;
/** The path in order; each row is a median over the saves (ms). */
const STEPS = [
  ['toEvent', 'write → first file event (file system, chokidar)'],
  ['detect', '`detect`: first event → the reload starts'],
  ['check', '`check`: the files’ fingerprints, before the build and the swap'],
  ['build', '`build`: esbuild'],
  ['settle', '`settle`: waiting for the writes to be over'],
  ['evaluate', '`evaluate`: the host makes the realm, evaluates the bundle'],
  ['hostTrips', '`hostTrips`: the load’s and the swap’s messages'],
  ['swap', 'the swap in the host: `saveState`, `deactivate`, `activate`, `restoreState`'],
  ['commit', '`commit`: after the swap, until the notice is sent'],
  ['toRead', 'notice sent → read by the client (stdio, JSON-RPC)'],
  ['unnamed', 'in no step'],
  ['total', 'write → `plugin/didReload` read'],
];

export async function measureSavePath(root, options = {}) {
  const { saves = options.quick ? 10 : 60, builds = buildsToCompare() } = options;
  const sessions = [];
  try {
    for (const [name, cli] of builds) {
      const dir = path.join(root, name.replace(/\W+/g, '-'));
      const file = await writeReloaddPlugin(path.join(dir, 'plugins'), 'v0');
      const daemon = startBenchDaemon(path.join(dir, 'plugins'), [], cli);
      let waiter;
      daemon.client.onNotification({ method: 'plugin/didReload' }, (r) => {
        if (r.trigger !== 'file' || !r.ok || !waiter) return;
        const wake = waiter;
        waiter = undefined;
        wake({ reload: r, readAt: performance.timeOrigin + performance.now() });
      });
      /** The next good reload of a file change, with when it was read; a save not seen fails. */
      const nextReload = () =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`${name}: a save was not seen`)), 10_000);
          waiter = (seen) => {
            clearTimeout(timer);
            resolve(seen);
          };
        });
      const loaded = daemon.next((r) => r.trigger === 'startup');
      await daemon.client.initialize('save-path');
      await loaded;
      sessions.push({
        name,
        daemon,
        file,
        rows: [],
        nextReload,
      });
    }
    for (let i = 0; i < saves + WARMUP; i++) {
      for (const session of sessions) {
        const reloaded = session.nextReload();
        const wroteAt = performance.timeOrigin + performance.now();
        await writeFile(session.file, pluginSource(`v${i + 1}`));
        const seen = await reloaded;
        if (i >= WARMUP) session.rows.push(stepsOf(seen.reload, wroteAt, seen.readAt));
        await sleep(GAP_MS);
      }
    }
  } finally {
    for (const { daemon } of sessions) await daemon.stop().catch(() => undefined);
  }
  return sessions.map(({ name, rows }) => ({
    name,
    medians: Object.fromEntries(STEPS.map(([key]) => [key, median(rows.map((r) => r[key]))])),
  }));
}

function stepsOf(reload, wroteAt, readAt) {
  const p = reload.phases ?? {};
  const { detected, sent } = reload.timestamps ?? {};
  const steps = {
    toEvent: detected !== undefined ? detected - wroteAt : 0,
    detect: p.detect ?? 0,
    check: p.check ?? 0,
    build: p.build ?? 0,
    settle: p.settle ?? 0,
    evaluate: p.evaluate ?? 0,
    hostTrips: p.hostTrips ?? 0,
    swap: (p.saveState ?? 0) + (p.deactivate ?? 0) + (p.activate ?? 0) + (p.restoreState ?? 0),
    commit: p.commit ?? 0,
    toRead: sent !== undefined ? readAt - sent : 0,
    total: readAt - wroteAt,
  };
  const named = Object.entries(steps).reduce((sum, [k, v]) => (k === 'total' ? sum : sum + v), 0);
  return { ...steps, unnamed: steps.total - named };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

export function formatSavePath(results) {
  const head = `| Step | ${results.map((r) => r.name).join(' | ')} |`;
  const rule = `| --- | ${results.map(() => '---').join(' | ')} |`;
  const rows = STEPS.map(
    ([key, what]) =>
      `| ${what} | ${results.map((r) => `${r.medians[key].toFixed(2)} ms`).join(' | ')} |`,
  );
  return [
    `Where a save's milliseconds go (medians) — node ${process.version}, ${os.cpus().length} cores`,
    '',
    head,
    rule,
    ...rows,
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = await mkdtemp(path.join(os.tmpdir(), 'reloadd-save-path-'));
  try {
    const saves = Number(process.argv[2] ?? 60);
    console.log(formatSavePath(await measureSavePath(root, { saves })));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
