// The plugin host under dynohot (`node --import dynohot/register`). dynohot's loader rewrites
// every module so that it can be evaluated again in place; the host accepts the plugin's
// updates, and dynohot calls it back with the namespace of the new version once evaluated. The
// host hands the state over (saveState → restoreState) and activates it.
import * as plugin from './plugin/index.js';

const report = (version, count) => console.log(`READY ${version} ${count}`);

// The function, not the (live) binding: it belongs to the version that is running.
let saveState = plugin.saveState;
plugin.activate({ report });

import.meta.hot.accept('./plugin/index.js', (next) => {
  next.restoreState(saveState());
  next.activate({ report });
  saveState = next.saveState;
});

// A plugin host stays up until it is stopped.
setInterval(() => {}, 1 << 30);
