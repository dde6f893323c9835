// The "plugin host" that nodemon, `node --watch` and `tsx watch` restart: copied into each tool's
// folder, it imports the plugin, activates it and says which version runs. A restart starts a new
// process, so the plugin's state starts again every time.
import { activate } from './plugin/index.js';

activate({ report: (version, count) => console.log(`READY ${version} ${count}`) });

// A plugin host stays up until it is stopped, so the tool has to stop it to restart it.
setInterval(() => {}, 1 << 30);
