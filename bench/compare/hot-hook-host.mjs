// The plugin host under hot-hook (`node --import hot-hook/register`). The plugin is imported
// dynamically as a hot boundary: after a change, hot-hook's loader resolves it to a new URL (a
// fresh module instance, same realm) and calls the dispose callback kept for its path. The host
// then imports it again, hands the state over (saveState → restoreState) and activates it.
const report = (version, count) => console.log(`READY ${version} ${count}`);
const pluginUrl = new URL('./plugin/index.js', import.meta.url);

let current = null;
async function load() {
  const next = await import('./plugin/index.js', import.meta.hot.boundary);
  if (current) next.restoreState(current.saveState());
  next.activate({ report });
  current = next;
}

// One load at a time: a change during a load is loaded after it, never before it.
let loading = Promise.resolve();
const reload = () => {
  loading = loading
    .then(load)
    .catch((error) => console.log(`ERROR ${String(error?.message ?? error).split('\n')[0]}`));
  return loading;
};

// `register` published the instance as `globalThis.hot` (this folder cannot import hot-hook).
globalThis.hot.dispose(pluginUrl.href, reload);
await reload();

// A plugin host stays up until it is stopped.
setInterval(() => {}, 1 << 30);
