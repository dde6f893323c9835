#!/usr/bin/env node
// What the watchdog costs each call into plugin code: `vm`'s `runInContext` with a `timeout`
// starts a watchdog thread for the call, without one it does not. `node bench/vm-timeout-bench.mjs`
// prints the mean of 2,000 calls each way (a plugin host makes several such calls per reload).
import { performance } from 'node:perf_hooks';
import vm from 'node:vm';

const CALLS = 2000;
const context = vm.createContext({ enter: () => 1 });
const trampoline = new vm.Script('globalThis.enter()');

const rows = [];
for (const [what, options] of [
  ['without a timeout', {}],
  ['with `timeout: 2000` (the watchdog)', { timeout: 2000 }],
]) {
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) trampoline.runInContext(context, options);
  rows.push(`| ${what} | ${((performance.now() - started) / CALLS).toFixed(3)} ms |`);
}
console.log(
  [
    `A call into a realm through \`runInContext\`, mean of ${CALLS} — node ${process.version}`,
    '',
    '| Call | Mean |',
    '| --- | --- |',
    ...rows,
  ].join('\n'),
);
