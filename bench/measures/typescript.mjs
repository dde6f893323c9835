#!/usr/bin/env node
// TypeScript: a plugin of 20 modules (index.ts over a binary tree of 19 typed modules), its leaf
// edited, every other save with a type error in it. reloadd as it comes (its type check on),
// with `--no-typecheck` and with `--debounce 0`, three daemons interleaved save by save; then,
// in this process, the type checks alone (TypeChecks and its thread, as the daemon runs them)
// with the event loop's delay measured around each, and the floor for this plugin: an
// incremental esbuild rebuild plus a fresh vm realm that runs the bundle and calls activate,
// the least any hot reload of it must do.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import vm from 'node:vm';
import * as esbuild from 'esbuild';
import pino from 'pino';
import { buildOptions } from '../../dist/daemon/building/PluginBuilder.js';
import { DiagnosticsStore } from '../../dist/daemon/diagnostics/DiagnosticsStore.js';
import { TypeChecks } from '../../dist/daemon/typechecking/TypeChecks.js';
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
  // The leaf's odd versions have a type error (a string where a number goes): nothing a build
  // or a reload looks at, what the type check finds.
  const typed = k === LEAF && hasTypeError(leafVersion) ? '"one"' : '1';
  const body = `${imports}
export const checked: number = ${typed};
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

/** `v3`, `r5`: odd versions carry a type error. */
function hasTypeError(version) {
  return Number(version.replace(/^\D+/, '')) % 2 === 1;
}

const typeErrorsIn = (params) =>
  params.diagnostics.filter((d) => d.code === 'RELOADD_TYPE_ERROR').length;

/** Both daemons, saves round robin, each awaited before the next. */
async function daemonReloads(root, { saves, gapMs, log }) {
  const variants = [
    { label: 'reloadd as it comes (type check on)', args: [] },
    { label: 'reloadd, `--no-typecheck`', args: ['--no-typecheck'] },
    { label: 'reloadd, `--debounce 0`', args: ['--debounce', '0'] },
  ];
  for (const [i, v] of variants.entries()) {
    v.dir = path.join(root, `ts-daemon-${i}`);
    v.leaf = await writeTypedPlugin(v.dir, 'v0');
    v.latency = [];
    v.duration = [];
    v.savedAt = [];
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
        v.savedAt.push(start);
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
      v.typecheck = (await v.daemon.client.connection.sendRequest('daemon/status', {})).typecheck;
      v.typeShown = typeErrorsShown(v.savedAt, v.daemon.published);
    }
  } finally {
    await stopAll(variants.map((v) => v.daemon));
  }
  return { variants, failed, endedOnFinal };
}

/**
 * For each save, from the save to the first diagnostics that say what its type check found (a
 * type error after an odd save, none after an even one), when they came before the next save.
 */
function typeErrorsShown(savedAt, published) {
  const shown = [];
  savedAt.forEach((start, i) => {
    const end = savedAt[i + 1] ?? Number.POSITIVE_INFINITY;
    const wanted = hasTypeError(`v${i + 1}`);
    const told = published.find(
      (p) => p.pluginId === ID && p.at >= start && p.at < end && typeErrorsIn(p) > 0 === wanted,
    );
    if (told) shown.push(told.at - start);
  });
  return shown;
}

/**
 * The type checks alone, as the daemon runs them (TypeChecks and its thread), each asked for
 * after a leaf edit and awaited until its diagnostics are published; the event loop's delay
 * (`monitorEventLoopDelay`, 1 ms resolution) is measured around each. The first check loads the
 * compiler and parses the libraries, and is told apart.
 */
async function typeChecksAlone(root, { checks }) {
  const dir = path.join(root, 'ts-checks');
  const leaf = await writeTypedPlugin(dir, 'v0');
  let told = () => {};
  const diagnostics = new DiagnosticsStore({ notify: (_method, params) => told(params) });
  const typeChecks = new TypeChecks({
    workerPath: new URL('../../dist/daemon/typechecking/typeCheckWorker.js', import.meta.url),
    pluginTypes: new URL('../../dist/plugin/index.d.ts', import.meta.url),
    diagnostics,
    logger: pino({ level: 'silent' }),
    isCurrent: () => true,
  });
  const plugin = {
    id: ID,
    root: path.join(dir, ID),
    entry: path.join(dir, ID, 'index.ts'),
    inputs: [],
  };
  const took = [];
  const maxDelay = [];
  const p99Delay = [];
  const idleMaxDelay = [];
  try {
    // Version 0 has no type error, and the store publishes only a change: start from one.
    for (let i = 1; i <= checks + 1; i++) {
      await touchLeaf(leaf, `v${i}`);
      const published = new Promise((resolve) => {
        told = (params) => {
          if (typeErrorsIn(params) > 0 === hasTypeError(`v${i}`)) resolve();
        };
      });
      const delay = monitorEventLoopDelay({ resolution: 1 });
      delay.enable();
      const start = performance.now();
      typeChecks.request(plugin);
      await published;
      took.push(performance.now() - start);
      delay.disable();
      maxDelay.push(delay.max / 1e6);
      p99Delay.push(delay.percentile(99) / 1e6);
      // The same time with nothing to do: what the event loop's delay is without a check.
      const idle = monitorEventLoopDelay({ resolution: 1 });
      idle.enable();
      await sleep(took.at(-1));
      idle.disable();
      idleMaxDelay.push(idle.max / 1e6);
    }
  } finally {
    await typeChecks.close();
  }
  return {
    first: { took: took[0], maxDelay: maxDelay[0] },
    took: took.slice(1),
    maxDelay: maxDelay.slice(1),
    p99Delay: p99Delay.slice(1),
    idleMaxDelay: idleMaxDelay.slice(1),
  };
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
  const checks = await typeChecksAlone(root, { checks: saves });
  const steps = await floor(root, { runs: saves });
  const floorP50 = percentile(steps.rebuild, 0.5) + percentile(steps.evaluate, 0.5);
  const rows = [
    ...variants.flatMap((v) => [
      row(`Save → \`plugin/didReload\`, ${v.label}`, v.latency),
      row(`\`durationMs\`, ${v.label}`, v.duration),
    ]),
    row(
      `Save → its type check's diagnostics (\`RELOADD_TYPE_ERROR\` shown or cleared), ${variants[0].label}`,
      variants[0].typeShown,
    ),
    row('In-process: a type check, asked for → published (thread warm)', checks.took),
    row("In-process: the event loop's longest delay during a check", checks.maxDelay),
    row("In-process: the event loop's p99 delay during a check", checks.p99Delay),
    row("In-process: the event loop's longest delay, idle as long", checks.idleMaxDelay),
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
    typecheck: variants.map((v) => `${v.label}: ${v.typecheck}`).join('; '),
    typeShown: `${variants[0].typeShown.length} of ${saves}`,
    firstCheck: checks.first,
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
    `**TypeScript** — a ${r.modules}-module TypeScript plugin, its leaf module edited (every other save with a type error); ${r.saves} saves per daemon, ${r.gapMs} ms apart, three daemons interleaved (failed reloads: ${r.failedReloads}; all ended on the last version: ${r.endedOnFinal ? 'yes' : 'no'}; \`daemon/status\` \`typecheck\`: ${r.typecheck}; type checks told before the next save: ${r.typeShown}):`,
    '',
    latencyTable(r.rows),
    '',
    `The first type check (the thread loads the compiler and parses the libraries): ${ms(r.firstCheck.took)}, the event loop's longest delay meanwhile ${ms(r.firstCheck.maxDelay)}.`,
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
