// The plugin host that `bun --hot` runs. On a save Bun evaluates the module graph again in the
// same process; what outlives an evaluation is `globalThis`. The host keeps the running plugin
// there, so that each new evaluation takes the state of the one before (saveState →
// restoreState, as reloadd hands it over) before it activates.
import * as plugin from './plugin/index.js';

const previous = globalThis.__benchPlugin;
if (previous) plugin.restoreState(previous.saveState());
plugin.activate({ report: (version, count) => console.log(`READY ${version} ${count}`) });
globalThis.__benchPlugin = plugin;

// A plugin host stays up until it is stopped; one timer for all the evaluations.
globalThis.__benchAlive ??= setInterval(() => {}, 1 << 30);
