#!/usr/bin/env node
// Part of `npm run bench` (bench/run.mjs): reload latency, requests and WebSocket clients of the built daemon, spawned over stdio as an
// editor spawns it, on plugins written to a temp folder. Prints a Markdown table for BENCHMARKS.md.
// Timing goals live here, never in `npm test`.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { connectWebSocket, findDaemon } from '../dist/clients/index.js';
import { startBenchDaemon } from './benchDaemon.mjs';

const RELOADS = Number(process.env.BENCH_RELOADS ?? 100);
/** WebSocket clients connected besides the editor, as a dashboard, CI and log tails would be. */
const WS_CLIENTS = 10;
/** A person saves seconds apart; 100 ms keeps saves apart without making the run slow. */
const GAP_MS = 100;

const pluginSource = (id, version) => `import { helper } from './helper.js';
const VERSION = ${JSON.stringify(version)};
let state = { count: 0, items: Array.from({ length: 1000 }, (_, i) => ({ i, label: 'item ' + i })) };
export function activate(ctx) {
  ctx.subscriptions.push(ctx.commands.register('${id}.get', () => ({ version: VERSION, count: state.count, help: helper() })));
  ctx.subscriptions.push(ctx.events.on('buffer:changed', () => { state.count += 1; }));
}
export function saveState() { return state; }
export function restoreState(saved) { state = saved; }
`;

async function writePlugin(dir, id, version) {
  await mkdir(path.join(dir, id), { recursive: true });
  await writeFile(
    path.join(dir, id, 'plugin.json'),
    JSON.stringify({ id, version: '1.0.0', main: 'index.js' }),
  );
  await writeFile(path.join(dir, id, 'helper.js'), 'export const helper = () => 42;\n');
  await writeFile(path.join(dir, id, 'index.js'), pluginSource(id, version));
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}
const ms = (v) => `${v.toFixed(1)} ms`;

async function benchReloads(root) {
  const dir = path.join(root, 'reloads');
  await writePlugin(dir, 'subject', 'v0');
  const daemon = startBenchDaemon(dir, ['--port', '0', '--workspace', root]);
  const loaded = daemon.next((r) => r.trigger === 'startup');
  await daemon.client.initialize('bench');
  await loaded;
  const endpoint = await findDaemon(root);
  const sockets = [];
  for (let i = 0; i < WS_CLIENTS; i++) {
    const client = await connectWebSocket(endpoint);
    await client.initialize(`bench-ws-${i}`);
    sockets.push(client);
  }

  const saveToNotified = [];
  const saveToAllSockets = [];
  const transaction = [];
  for (let i = 1; i <= RELOADS; i++) {
    await new Promise((r) => setTimeout(r, GAP_MS));
    const reloaded = daemon.next((r) => r.trigger === 'file' && r.ok);
    const everywhere = Promise.all(
      sockets.map(
        (client) =>
          new Promise((resolve) => {
            const subscription = client.onNotification({ method: 'plugin/didReload' }, (r) => {
              if (r.trigger !== 'file') return;
              subscription.dispose();
              resolve(performance.now());
            });
          }),
      ),
    );
    const start = performance.now();
    await writeFile(path.join(dir, 'subject', 'index.js'), pluginSource('subject', `v${i}`));
    const result = await reloaded;
    saveToNotified.push(performance.now() - start);
    saveToAllSockets.push(Math.max(...(await everywhere)) - start);
    transaction.push(result.durationMs);
  }
  const check = await daemon.client.connection.sendRequest('plugin/executeCommand', {
    command: 'subject.get',
  });
  if (check.version !== `v${RELOADS}`)
    throw new Error(`last content not active: ${JSON.stringify(check)}`);

  const requested = [];
  const requestedOverSocket = [];
  for (let i = 0; i < 50; i++) {
    let start = performance.now();
    await daemon.client.connection.sendRequest('plugin/reload', { id: 'subject' });
    requested.push(performance.now() - start);
    start = performance.now();
    await sockets[0].connection.sendRequest('plugin/reload', { id: 'subject' });
    requestedOverSocket.push(performance.now() - start);
  }
  for (const client of sockets) client.dispose();
  await daemon.stop();
  return { saveToNotified, saveToAllSockets, transaction, requested, requestedOverSocket };
}

const root = await mkdtemp(path.join(os.tmpdir(), 'reloadd-bench-'));
try {
  const { saveToNotified, saveToAllSockets, transaction, requested, requestedOverSocket } =
    await benchReloads(root);
  const rows = [
    ['Save → `plugin/didReload` received (file plugin, 1,000-item state)', RELOADS, saveToNotified],
    ['Reload transaction, as the daemon reports it (`durationMs`)', RELOADS, transaction],
    [
      `Save → \`plugin/didReload\` received by all ${WS_CLIENTS} WebSocket clients too`,
      RELOADS,
      saveToAllSockets,
    ],
    ['`plugin/reload` request round trip, stdio', 50, requested],
    ['`plugin/reload` request round trip, WebSocket', 50, requestedOverSocket],
  ];
  console.log(
    `reloadd benchmark — node ${process.version}, ${os.cpus().length} cores, ${os.platform()}`,
  );
  console.log('');
  console.log('| What | Runs | p50 | p95 | max |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const [what, runs, values] of rows) {
    console.log(
      `| ${what} | ${runs} | ${ms(percentile(values, 0.5))} | ${ms(percentile(values, 0.95))} | ${ms(Math.max(...values))} |`,
    );
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
