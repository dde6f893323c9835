// Vite's HMR without a browser: a dev server in middleware mode (no HTTP or WebSocket server),
// and a ModuleRunner on its SSR environment, in this one process and realm. The plugin module
// self-accepts; on a save Vite re-evaluates it, and each evaluation hands its exports to
// `__benchHost.activate` here, which activates them: the plugin prints `READY <version> <count>`.
// Usage: node vite-host.mjs <root> (holding plugin/index.js)
import path from 'node:path';
import { createServer, createServerModuleRunner } from 'vite';

const root = path.resolve(process.argv[2]);
const report = (version, count) => console.log(`READY ${version} ${count}`);

globalThis.__benchHost = {
  activate(mod) {
    // A throw here would end the process from inside Vite's update; a host reports and goes on.
    try {
      mod.activate({ report });
    } catch (error) {
      console.log(`ERROR ${error?.message ?? error}`);
    }
  },
};

const server = await createServer({
  root,
  configFile: false,
  appType: 'custom',
  logLevel: 'silent',
  clearScreen: false,
  // `ws: false`: no WebSocket server for browsers; the SSR environment's HMR channel is in-process.
  server: { middlewareMode: true, ws: false },
});
const runner = createServerModuleRunner(server.environments.ssr, { hmr: { logger: false } });

try {
  // Its evaluation activates it (above); the first one is the v0 line the harness waits for.
  await runner.import('/plugin/index.js');
} catch (error) {
  console.log(`ERROR ${error?.message ?? error}`);
  process.exitCode = 1;
  await server.close();
}

process.on('SIGTERM', () => {
  const exit = () => process.exit(0);
  server.close().then(exit, exit);
});
