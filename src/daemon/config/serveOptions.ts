import { type Command, Option } from 'commander';

/**
 * The options of `reloadd serve`, which `reloadd config` takes too: declared once, so that the
 * settings `config` shows are read from the same flags that `serve` would get.
 */
export function addServeOptions(command: Command): Command {
  return command
    .option('--plugins <dir>', 'folder that holds the plugins (one folder or file per plugin)')
    .option(
      '--stdio',
      'speak JSON-RPC (LSP framing) on stdin/stdout, as an editor expects; logs go to stderr',
    )
    .option(
      '--state-dir <dir>',
      'keep plugin state snapshots in this folder, so they survive a restart',
    )
    .option(
      '--debounce <ms>',
      'quiet time that ends a burst of saves; a lone save waits 3 ms (default: 20)',
    )
    .option(
      '--poll [ms]',
      'poll files every MS (default 100) instead of inotify: for containers, WSL and network drives; costs CPU and up to MS of latency',
    )
    .option(
      '--config <file>',
      "config file, .json or .toml (a [dev] table taken as the Red editor's config.toml). Without it: the first of reloadd.json, reloadd.toml, config.toml with [dev] in the workspace",
    )
    .addOption(
      new Option(
        '--no-hot-reload',
        'start with hot reload switched off (daemon/setHotReload turns it on)',
      ),
    )
    .addOption(
      new Option(
        '--no-notifications',
        'do not show editors a failed reload (LSP window/showMessage)',
      ),
    )
    .option(
      '--notify-success',
      'also tell editors of each successful reload (window/showMessage, type Info)',
    )
    .addOption(
      new Option(
        '--no-log-messages',
        "do not send editors the daemon's log (LSP window/logMessage)",
      ),
    )
    .option(
      '--message-actions',
      'show a failed reload with buttons (window/showMessageRequest) to editors that declare window.showMessage; many prompt until answered',
    )
    .addOption(
      new Option(
        '--no-typecheck',
        'do not type-check TypeScript plugins after their reloads (RELOADD_TYPE_ERROR warnings)',
      ),
    )
    .option(
      '--log-level <level>',
      'console level: trace, debug, info, warn, error, fatal or silent (default: info; warn with --stdio, where the console is stderr)',
    )
    .option(
      '--lifecycle-timeout <ms>',
      'longest activate, deactivate, save/restoreState, listener or timer call (default: 2000)',
    )
    .option('--command-timeout <ms>', 'longest plugin command (default: 10000)')
    .option('--host-memory <mb>', 'memory cap of each plugin host (default: 512)')
    .option(
      '--isolation <kind>',
      'where plugins run whose manifest does not say: shared, dedicated or process (default: shared)',
    )
    .option('--require-permissions', 'run only plugins whose manifest declares "permissions"')
    .option(
      '--editor <file>',
      "answer plugins' editor calls from this file while no editor is connected (a .json file or a JS module of calls, state and events; see docs/editor-stand-in.md)",
    )
    .option(
      '--editor-timeout <ms>',
      "longest a plugin's editor call waits for an editor and its answer (default: 10000)",
    )
    .option(
      '--port <n>',
      'listen for WebSocket clients on this port (0: any free one). Default: 0 standalone; with --stdio, only when given',
    )
    .option('--host <address>', 'address to listen on (default: 127.0.0.1)')
    .option(
      '--allow-remote',
      'allow a --host that is not a loopback address (anyone who can reach it and has the token gets in)',
    )
    .option(
      '--workspace <dir>',
      'folder that gets .reloadd/daemon.json, for clients to find the daemon (default: the current folder)',
    )
    .option(
      '--max-payload <bytes>',
      'largest message a WebSocket client may send (default: 1048576)',
    )
    .option(
      '--watch <globs...>',
      'files plugins read at run time, as globs relative to each plugin folder (a change reloads the plugin)',
    )
    .option('--ignore <globs...>', 'files never watched, as globs relative to the plugins folder')
    .option(
      '--inspect [address]',
      'open the Node inspector for Chrome DevTools and VS Code, on [HOST:]PORT (default: 127.0.0.1:9229); see `reloadd debug`',
    )
    .option(
      '--inspect-brk-on-error',
      'with --inspect: pause in plugin code where it throws, for the attached debugger',
    );
}
