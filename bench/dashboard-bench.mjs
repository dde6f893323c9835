#!/usr/bin/env node
// `npm run bench` (and alone: `node bench/dashboard-bench.mjs`): does the dashboard keep up with
// a busy daemon? 100 plugins, 50 reloads a second, the dashboard open in Debian's Chromium. For
// each `plugin/didReload` it times the page from the message's arrival on its WebSocket to the
// plugin's row showing the new generation (the DOM updated, then the next frame drawn). The
// floor, in the same run and on the same daemon: a page of 100 bare rows whose only work per
// message is to parse it and set the row's attribute by hand (no JSON-RPC library, no framework).
// BENCH_SECONDS sets how long reloads run (default 10); BENCH_QUICK=1 runs 3 s; BENCH_TRACE=FILE
// writes a Chromium trace of the dashboard's page (open it in chrome://tracing or Perfetto).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium } from 'playwright-core';
import { findDaemon } from '../dist/clients/index.js';
import { dashboardLink } from '../dist/protocol/index.js';
import { startBenchDaemon } from './benchDaemon.mjs';
import { percentile, sleepUntil, table } from './measures/common.mjs';

const PLUGINS = 100;
const RATE = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? (process.env.BENCH_QUICK === '1' ? 3 : 10));
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

if (!existsSync(CHROMIUM)) {
  console.log(`## Dashboard under load\n\nskipped: no Chromium at ${CHROMIUM} (set CHROMIUM_PATH)`);
  process.exit(0);
}

/** Stamps every didReload as it arrives on the page's WebSocket, and every row as it changes. */
const OBSERVE = () => {
  const arrivals = new Map();
  const bench = { latencies: [], frames: [], longTasks: [] };
  window.__bench = bench;
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      // Registered first, so it runs before the page's own listener.
      this.addEventListener('message', (event) => {
        if (typeof event.data !== 'string' || !event.data.includes('plugin/didReload')) return;
        const { params } = JSON.parse(event.data);
        arrivals.set(`${params.id}:${params.generation}`, performance.now());
      });
    }
  };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) bench.longTasks.push(entry.duration);
  }).observe({ type: 'longtask', buffered: true });
  const watch = () =>
    new MutationObserver((records) => {
      const now = performance.now();
      for (const record of records) {
        const row = record.target;
        const key = `${row.getAttribute('data-plugin')}:${row.getAttribute('data-generation')}`;
        const at = arrivals.get(key);
        if (at === undefined) continue;
        arrivals.delete(key);
        bench.latencies.push(now - at);
        requestAnimationFrame(() => bench.frames.push(performance.now() - at));
      }
    }).observe(document.body, { subtree: true, attributeFilter: ['data-generation'] });
  if (document.body) watch();
  else document.addEventListener('DOMContentLoaded', watch);
};

/** The floor: the same origin (so the same session), the page's document replaced by bare rows. */
const FLOOR = (ids) => {
  document.body.replaceChildren();
  const rows = new Map();
  const table = document.createElement('table');
  for (const id of ids) {
    const tr = document.createElement('tr');
    tr.setAttribute('data-plugin', id);
    tr.setAttribute('data-generation', '1');
    tr.textContent = id;
    table.append(tr);
    rows.set(id, tr);
  }
  document.body.append(table);
  const socket = new WebSocket(`ws://${location.host}/rpc`);
  socket.addEventListener('open', () =>
    socket.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { processId: null, clientInfo: { name: 'bench-floor' }, capabilities: {} },
      }),
    ),
  );
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(event.data);
    if (message.id === 1)
      socket.send(JSON.stringify({ jsonrpc: '2.0', method: 'initialized', params: {} }));
    if (message.method !== 'plugin/didReload') return;
    rows.get(message.params.id)?.setAttribute('data-generation', String(message.params.generation));
  });
};

const root = await mkdtemp(path.join(os.tmpdir(), 'reloadd-dashboard-bench-'));
const pluginsDir = path.join(root, 'plugins');
const workspace = path.join(root, 'workspace');
await mkdir(workspace, { recursive: true });
const ids = Array.from({ length: PLUGINS }, (_, i) => `p${String(i).padStart(3, '0')}`);
for (const id of ids) {
  await mkdir(path.join(pluginsDir, id), { recursive: true });
  await writeFile(
    path.join(pluginsDir, id, 'index.js'),
    `let state = { n: 0 };\nexport function activate() { state.n++; }\nexport function saveState() { return state; }\nexport function restoreState(s) { state = s; }\n`,
  );
}

const daemon = startBenchDaemon(pluginsDir, ['--port', '0', '--workspace', workspace]);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
try {
  await daemon.client.initialize('dashboard-bench');
  await waitForActive(daemon.client, PLUGINS);
  // daemon.json says where; the token is in the file it names, which findDaemon reads.
  const info = await findDaemon(workspace);
  const link = dashboardLink(info.url, info.token);
  // A window each: a tab behind another gets no frames (and the dashboard draws on frames).
  const open = async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(OBSERVE);
    const page = await context.newPage();
    await page.goto(link);
    await page.locator(`tr[data-plugin="${ids.at(-1)}"]`).waitFor();
    return page;
  };
  const dashboard = await open();
  const floor = await open();
  await floor.evaluate(FLOOR, ids);
  await daemon.client.request({ method: 'daemon/status' }, undefined); // the floor's socket is up
  await new Promise((resolve) => setTimeout(resolve, 500));

  // How busy each page's main thread was, from Chromium's own counters (seconds of work).
  const counters = async (page) => {
    const session = await page.context().newCDPSession(page);
    await session.send('Performance.enable');
    const read = async () =>
      Object.fromEntries(
        (await session.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]),
      );
    return { before: await read(), read };
  };
  const busy = { dashboard: await counters(dashboard), floor: await counters(floor) };
  if (process.env.BENCH_TRACE)
    await browser.startTracing(dashboard, { path: process.env.BENCH_TRACE });
  // 50 reloads a second, round the plugins, each asked for on its own schedule (not after the
  // previous answer), for SECONDS.
  const total = RATE * SECONDS;
  const start = performance.now();
  const asked = [];
  for (let i = 0; i < total; i++) {
    await sleepUntil(start + (i * 1000) / RATE);
    asked.push(daemon.client.request({ method: 'plugin/reload' }, { id: ids[i % PLUGINS] }));
  }
  const results = await Promise.all(asked);
  if (process.env.BENCH_TRACE) await browser.stopTracing();
  const elapsed = (performance.now() - start) / 1000;
  const failed = results.filter((r) => !r.results[0]?.ok).length;
  await new Promise((resolve) => setTimeout(resolve, 500)); // the last rows, drawn
  const seen = {
    dashboard: await dashboard.evaluate(() => window.__bench),
    floor: await floor.evaluate(() => window.__bench),
  };
  for (const [name, c] of Object.entries(busy)) {
    const after = await c.read();
    const delta = (key) => after[key] - c.before[key];
    seen[name].work = {
      task: delta('TaskDuration'),
      script: delta('ScriptDuration'),
      layout: delta('LayoutDuration') + delta('RecalcStyleDuration'),
    };
  }

  const fmt = (v) => (v === null ? '—' : `${v.toFixed(2)} ms`);
  const line = (name, b) => [
    name,
    b.latencies.length,
    fmt(percentile(b.latencies, 0.5)),
    fmt(percentile(b.latencies, 0.95)),
    fmt(percentile(b.frames, 0.5)),
    fmt(percentile(b.frames, 0.95)),
    `${b.longTasks.length} (${Math.round(b.longTasks.reduce((a, c) => a + c, 0))} ms)`,
    `${Math.round((b.work.task / elapsed) * 100)}% (script ${Math.round((b.work.script / elapsed) * 100)}%, style and layout ${Math.round((b.work.layout / elapsed) * 100)}%)`,
  ];
  const ratio = (p, key) => {
    const floorAt = percentile(seen.floor[key], p);
    return floorAt > 0 ? (percentile(seen.dashboard[key], p) / floorAt).toFixed(1) : '—';
  };
  console.log(`## Dashboard under load: ${PLUGINS} plugins, ${RATE} reloads a second\n`);
  console.log(
    `${total} reloads asked in ${elapsed.toFixed(1)} s (${(total / elapsed).toFixed(1)}/s), ${failed} failed. Chromium ${browser.version()}, both pages open at once, each in a window of its own.\n`,
  );
  console.log(
    table(
      [
        'Page',
        'Rows updated',
        'didReload → row, p50',
        'p95',
        '→ next frame, p50',
        'p95',
        'Long tasks (total)',
        'Main thread busy',
      ],
      [line('dashboard', seen.dashboard), line('floor: bare rows, by hand', seen.floor)],
    ),
  );
  console.log(
    `\nTo the next frame (what a person sees), the dashboard takes ×${ratio(0.5, 'frames')} the floor's time at p50 and ×${ratio(0.95, 'frames')} at p95.`,
  );
} finally {
  await browser.close();
  await daemon.stop().catch(() => undefined);
  await rm(root, { recursive: true, force: true });
}

async function waitForActive(client, count) {
  for (;;) {
    const { plugins } = await client.request({ method: 'plugin/list' }, undefined);
    if (plugins.filter((p) => p.status === 'active').length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
