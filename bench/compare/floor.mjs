// The floor: the least a hot reload can do with the daemon's own parts (chokidar, esbuild, a vm
// realm), in one process. On every change: bundle, evaluate in a fresh realm, activate, print
// `READY <version> <count>`. No debounce, no worker, no state hand-over, no protocol.
// Usage: node floor.mjs <plugin folder> (holding index.js)
import path from 'node:path';
import vm from 'node:vm';
import { watch } from 'chokidar';
import * as esbuild from 'esbuild';

const dir = path.resolve(process.argv[2]);
const entry = path.join(dir, 'index.js');
const report = (version, count) => console.log(`READY ${version} ${count}`);

async function load() {
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'cjs',
    platform: 'node',
    logLevel: 'silent',
  });
  const module = { exports: {} };
  const ctx = vm.createContext({ module, exports: module.exports });
  new vm.Script(result.outputFiles[0].text, { filename: entry }).runInContext(ctx);
  module.exports.activate({ report });
}

// Loads run one at a time (a change during one runs another right after), so an older bundle
// can never be activated after a newer one. That is ordering, not a debounce: nothing waits.
let running = false;
let again = false;
function reload() {
  if (running) {
    again = true;
    return;
  }
  running = true;
  load()
    .catch((error) => console.log(`ERROR ${String(error?.message ?? error).split('\n')[0]}`))
    .finally(() => {
      running = false;
      if (again) {
        again = false;
        reload();
      }
    });
}

const watcher = watch(dir, { ignoreInitial: true });
watcher.on('change', reload);
watcher.on('ready', reload);
