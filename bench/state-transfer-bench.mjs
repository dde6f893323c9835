#!/usr/bin/env node
// Part of `npm run bench`: what handing a state from one realm to the next costs inside a plugin
// host, for the benchmark's 1,000-item state: copied out of the old generation's realm
// (extractState), then into the new one's (intoRealm), against structuredClone of the same data
// (which cannot make objects of another realm). In the bench's own process, warm.
import vm from 'node:vm';
import { extractState, intoRealm } from '../dist/daemon/crossing/stateTransfer.js';

const RUNS = 200;
const ctx = vm.createContext({});
const realm = vm.runInContext(
  '({ Object, Array, Date, Map, Set, RegExp, Error, ArrayBuffer, Uint8Array })',
  ctx,
);
const state = vm.runInContext(
  "({ count: 0, items: Array.from({ length: 1000 }, (_, i) => ({ i, label: 'item ' + i })) })",
  ctx,
);
const timeOf = (work) => {
  for (let i = 0; i < 50; i++) work();
  const start = performance.now();
  for (let i = 0; i < RUNS; i++) work();
  return (performance.now() - start) / RUNS;
};
const plain = extractState(state).value;
const rows = [
  ['Copy out of the old realm (`extractState`)', timeOf(() => extractState(state))],
  ['Copy into the new realm (`intoRealm`)', timeOf(() => intoRealm(plain, realm))],
  [
    '`structuredClone` of the same data (one realm), for scale',
    timeOf(() => structuredClone(plain)),
  ],
];
console.log(
  '**State between realms** — a 1,000-item state, mean of 200 copies after 50 warm-up ones:',
);
console.log('');
console.log('| What | Mean |');
console.log('| --- | --- |');
for (const [what, ms] of rows) console.log(`| ${what} | ${ms.toFixed(3)} ms |`);
