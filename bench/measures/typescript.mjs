#!/usr/bin/env node
// TypeScript: a plugin of 20 modules (index.ts over a binary tree of 19 typed modules), its leaf
// edited. reloadd with its default debounce and with `--debounce 0`, two daemons interleaved;
// then, in this process, the floor for this plugin: an incremental esbuild rebuild plus a fresh
// vm realm that runs the bundle and calls activate, the least any hot reload of it must do.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import vm from 'node:vm';
import * as esbuild from 'esbuild';
import { buildOptions } from '../../dist/daemon/building/PluginBuilder.js';
import {
  latencyTable,
  ms,
  percentile,
  row,
  runAlone,
  sleep,
  startDaemon,
  stopAll,
  table,
  writePlugin,
} from './common.mjs';

const ID = 'typed';
const MODULES = 19;
/** The module edited: a leaf of the tree, the deepest one. */
const LEAF = MODULES;
const name = (k) => `m${String(k).padStart(2, '0')}`;
const childrenOf = (k) => [2 * k + 1, 2 * k + 2].filter((c) => c <= MODULES);

/** Module k of the tree (0 is index.ts): an interface, a type alias, a generic, its children. */
function moduleSource(k, leafVersion) {
  const children = childrenOf(k);
  const imports = children
    .map((c) => `import { type Node${c}, tree as tree${c} } from './${name(c)}';`)
    .join('\n');
  const kids = children.map((c) => `tree${c}()`).join(', ');
  const label = k === LEAF ? JSON.stringify(leafVersion) : JSON.stringify(name(k));
  const body = `${imports}
export type Weight${k} = number & { readonly unit?: 'w${k}' };
export interface Node${k} {
  id: number;
  label: string;
  weight: Weight${k};
  children: ReadonlyArray<{ id: number; label: string; weight: number; children: readonly unknown[] }>;
}
function total<T extends { weight: number }>(items: readonly T[]): number {
  return items.reduce((sum, item) => sum + item.weight, 0);
}
export function tree(): Node${k} {
  const children: [${children.map((c) => `Node${c}`).join(', ')}] = [${kids}];
  return { id: ${k}, label: ${label}, weight: (${k} + total(children)) as Weight${k}, children };
}
`;
  if (k !== 0) return body;
  return `${body}
/** Every label in the tree, the leaf's version among them. */
function labels(node: { label: string; children: readonly unknown[] }): string[] {
  return [node.label, ...node.children.flatMap((c) => labels(c as Node0))];
}
// biome-ignore lint/suspicious/noExplicitAny: the bench's plugins stay free of type packages.
export function activate(ctx: any): void {
  ctx.subscriptions.push(ctx.commands.register('${ID}.get', () => labels(tree())));
}
`;
}

async function writeTypedPlugin(dir, leafVersion) {
  const files = { 'index.ts': moduleSource(0, leafVersion) };
  for (let k = 1; k <= MODULES; k++) files[`${name(k)}.ts`] = moduleSource(k, leafVersion);
  await writePlugin(dir, ID, files, { main: 'index.ts' });
  return path.join(dir, ID, `${name(LEAF)}.ts`);
}

const touchLeaf = (leafFile, version) => writeFile(leafFile, moduleSource(LEAF, version));

/** Both daemons, saves round robin, each awaited before the next. */
async function daemonReloads(root, { saves, gapMs, log }) {
  const variants = [
    { label: 'reloadd, default debounce', args: [] },
    { label: 'reloadd, `--debounce 0`', args: ['--debounce', '0'] },
  ];
  for (const [i, v] of variants.entries()) {
    v.dir = path.join(root, `ts-daemon-${i}`);
    v.leaf = await writeTypedPlugin(v.dir, 'v0');
    v.latency = [];
    v.duration = [];
    v.daemon = startDaemon(v.dir, v.args);
  }
  let failed = 0;
  let endedOnFinal = true;
  try {
    await Promise.all(variants.map((v) => v.daemon.ready([ID])));
    for (let i = 1; i <= saves; i++) {
      for (const v of variants) {
        await sleep(gapMs);
        const reloaded = v.daemon.nextReload(
          (r) => r.id === ID && r.trigger === 'file',
          10_000,
          `the reload of save ${i} (${v.label})`,
        );
        const start = performance.now();
        await touchLeaf(v.leaf, `v${i}`);
        const result = await reloaded;
        if (!result.ok) failed += 1;
        v.latency.push(result.at - start);
        v.duration.push(result.durationMs);
      }
      if (i % 10 === 0) log(`typescript: ${i}/${saves} rounds`);
    }
    for (const v of variants) {
      const labels = await v.daemon.command(`${ID}.get`);
      endedOnFinal &&= labels.length === MODULES + 1 && labels.includes(`v${saves}`);
    }
  } finally {
    await stopAll(variants.map((v) => v.daemon));
  }
  return { variants, failed, endedOnFinal };
}

const bundleText = (result) => result.outputFiles.find((f) => f.path.endsWith('.js')).text;

/** A fresh realm that runs the bundle and calls activate: the floor's evaluation steps. */
function evaluateInFreshRealm(code) {
  const module = { exports: {} };
  const context = vm.createContext({ module, exports: module.exports });
  new vm.Script(code, { filename: '__floor.js' }).runInContext(context);
  const registered = [];
  module.exports.activate({
    subscriptions: [],
    commands: { register: (command, handler) => registered.push([command, handler]) },
  });
  return registered;
}

async function floor(root, { runs }) {
  const dir = path.join(root, 'ts-floor');
  const leaf = await writeTypedPlugin(dir, 'v0');
  // esbuild exactly as the daemon calls it.
  const entry = path.join(dir, ID, 'index.ts');
  const options = buildOptions({ id: ID, entry }, path.dirname(entry));
  const context = await esbuild.context(options);
  const rebuild = [];
  const build = [];
  const evaluate = [];
  let code;
  try {
    await context.rebuild(); // the first build of a context is not a rebuild
    for (let i = 1; i <= runs; i++) {
      await touchLeaf(leaf, `r${i}`);
      const start = performance.now();
      code = bundleText(await context.rebuild());
      rebuild.push(performance.now() - start);
    }
  } finally {
    await context.dispose();
  }
  if (!code.includes(`r${runs}`)) throw new Error('the incremental rebuild missed the leaf edit');
  await esbuild.build(options); // warm-up, as the daemon's first build
  for (let i = 1; i <= runs; i++) {
    await touchLeaf(leaf, `b${i}`);
    const start = performance.now();
    code = bundleText(await esbuild.build(options));
    build.push(performance.now() - start);
  }
  // This process's own esbuild service goes too: no process of the bench outlives its measure.
  await esbuild.stop();
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const registered = evaluateInFreshRealm(code);
    evaluate.push(performance.now() - start);
    if (registered.length !== 1) throw new Error('activate registered no command');
  }
  return { rebuild, build, evaluate };
}

export async function measureTypescript(root, options = {}) {
  const { saves = options.quick ? 5 : 50, gapMs = 150, log = () => {} } = options;
  const { variants, failed, endedOnFinal } = await daemonReloads(root, { saves, gapMs, log });
  const steps = await floor(root, { runs: saves });
  const floorP50 = percentile(steps.rebuild, 0.5) + percentile(steps.evaluate, 0.5);
  const rows = [
    ...variants.flatMap((v) => [
      row(`Save → \`plugin/didReload\`, ${v.label}`, v.latency),
      row(`\`durationMs\`, ${v.label}`, v.duration),
    ]),
    row('In-process: esbuild `context()` + `rebuild()` after touching the leaf', steps.rebuild),
    row('In-process: full `esbuild.build()` after touching the leaf', steps.build),
    row(
      'In-process: `vm.createContext` + `new vm.Script(code).runInContext` + activate',
      steps.evaluate,
    ),
  ];
  return {
    modules: MODULES + 1,
    saves,
    gapMs,
    failedReloads: failed,
    endedOnFinal,
    rows,
    floorP50,
    ratios: variants.map((v) => ({
      what: v.label,
      saveToDidReloadP50: percentile(v.latency, 0.5),
      ratio: percentile(v.latency, 0.5) / floorP50,
      durationRatio: percentile(v.duration, 0.5) / floorP50,
    })),
  };
}

export function formatTypescript(r) {
  return [
    `**TypeScript** — a ${r.modules}-module TypeScript plugin, its leaf module edited; ${r.saves} saves per daemon, ${r.gapMs} ms apart, two daemons interleaved (failed reloads: ${r.failedReloads}; both ended on the last version: ${r.endedOnFinal ? 'yes' : 'no'}):`,
    '',
    latencyTable(r.rows),
    '',
    `Floor for this plugin (rebuild p50 + fresh realm + activate p50): ${ms(r.floorP50)}.`,
    '',
    table(
      ['Daemon', 'Save → didReload p50', 'reloadd / floor', '`durationMs` p50 / floor'],
      r.ratios.map((x) => [
        x.what,
        ms(x.saveToDidReloadP50),
        `${x.ratio.toFixed(1)}×`,
        `${x.durationRatio.toFixed(1)}×`,
      ]),
    ),
  ].join('\n');
}

await runAlone(import.meta.url, measureTypescript, formatTypescript);
