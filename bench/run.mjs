#!/usr/bin/env node
// `npm run bench`: every measure of BENCHMARKS.md in one sitting, one after another (never at
// once: they would measure each other), each script in a process of its own. Its tables go to
// stdout, progress to stderr. BENCH_QUICK=1 takes small counts, for a smoke run.
import { spawn } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const quick = process.env.BENCH_QUICK === '1';
const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const steps = [
  // reloadd beside the floor, Vite (with and without a state handover), bun --hot, hot-hook,
  // dynohot, deno --watch-hmr, nodemon, node --watch and tsx, interleaved save by save.
  { script: here('./compare-bench.mjs'), env: quick ? { BENCH_SAVES: '10' } : {} },
  // Bursts, duplicates, didSave against the watcher, state size, TypeScript, cold start, shared module.
  { script: here('./measures/index.mjs'), args: quick ? ['--quick'] : [] },
  // Request round trips over stdio and WebSocket, ten clients told of each reload.
  { script: here('./reload-bench.mjs'), env: quick ? { BENCH_RELOADS: '10' } : {} },
  // A 1,000-item state copied from one realm to the next.
  { script: here('./state-transfer-bench.mjs') },
  // What the watchdog's `vm` timeout costs each call into plugin code.
  { script: here('./vm-timeout-bench.mjs') },
  // Spawn → `initialize` answered, beside spawning `node -e 0`.
  { script: here('./initialize-bench.mjs'), args: quick ? ['3'] : [] },
  // The dashboard in Chromium: 100 plugins, 50 reloads a second, didReload → row on screen.
  { script: here('./dashboard-bench.mjs'), env: quick ? { BENCH_SECONDS: '3' } : {} },
  // A process host beside a worker host: first load, memory per host, reload round trip.
  { script: here('./host-bench.mjs') },
  // 1,000 reloads of a plugin holding 5 MB, and 100 plugins' RSS.
  {
    script: here('./memory-bench.mjs'),
    env: quick ? { BENCH_RELOADS: '60', SKIP_BUSTING: '1' } : {},
  },
];

console.log(
  `reloadd benchmarks, ${new Date().toISOString().slice(0, 10)} — node ${process.version}, ${os.cpus().length} cores, ${os.platform()}${quick ? ' (quick counts)' : ''}`,
);
for (const step of steps) {
  console.log('');
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [step.script, ...(step.args ?? [])], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, ...step.env },
    });
    child.once('exit', (status) => resolve(status ?? 1));
  });
  if (code !== 0) {
    console.error(`${step.script} exited with ${code}`);
    process.exitCode = 1;
  }
}
