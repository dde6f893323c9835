#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { addClientCommands } from './clients/cli/clientCommands.js';
import { addDebugCommand } from './clients/cli/debugCommand.js';
import { CliExit, ExitCode } from './clients/cli/exitCodes.js';
import { resolveServeSettings, UsageError } from './daemon/config.js';
import { VERSION } from './daemon/installation.js';
import { DaemonAlreadyRunning } from './daemon/network/DaemonFileClaim.js';
import { serve } from './daemon/serve.js';
import { addVerifyCommand } from './daemon/verify/verifyCli.js';
import { addNewCommand } from './scaffold/newPlugin.js';

const program = new Command()
  .name('reloadd')
  .description(
    'Hot-reload daemon for editor plugins: watches plugin files, reloads them with their state, and tells every client over JSON-RPC.',
  )
  .version(VERSION)
  .showHelpAfterError('(run "reloadd --help" for usage)')
  .exitOverride();

program
  .command('serve')
  .description('Run the daemon on a folder of plugins.')
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
    'JSON file with the same settings: plugins, stateDir, debounceMs, pollMs, hotReload, logLevel, lifecycleTimeoutMs, commandTimeoutMs, hostMemoryMb, editorCallTimeoutMs, port, host, maxPayloadBytes, clientBacklogBytes, logBufferSize, snapshotHistory, maxSnapshotBytes, isolation, requirePermissions, watch, ignore',
  )
  .addOption(
    new Option(
      '--no-hot-reload',
      'start with hot reload switched off (daemon/setHotReload turns it on)',
    ),
  )
  .option('--log-level <level>', 'trace, debug, info, warn, error, fatal or silent (default: info)')
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
  .option('--max-payload <bytes>', 'largest message a WebSocket client may send (default: 1048576)')
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
  )
  .addHelpText(
    'after',
    `
Examples:
  reloadd serve --plugins ./plugins                 watch ./plugins and print what happens
  reloadd serve --plugins ./plugins --stdio         what an editor runs, as it runs a language server
  reloadd serve --config reloadd.json --state-dir .reloadd/state
  reloadd serve --plugins ./plugins --stdio --port 0  an editor's daemon that the dashboard and CI can share`,
  )
  .action(async (flags) => {
    await serve(await resolveServeSettings(flags));
  });

addClientCommands(program);
addDebugCommand(program);
addVerifyCommand(program);
addNewCommand(program);
program.addHelpText(
  'after',
  `
Exit codes: 0 success, 1 a reload or check failed, 2 usage error, 3 no daemon reachable.`,
);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) {
    process.exit(error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage);
  }
  if (error instanceof UsageError) {
    process.stderr.write(`reloadd: ${error.message}\n`);
    process.exit(ExitCode.Usage);
  }
  if (error instanceof CliExit) {
    const code = error.code ? ` (${error.code})` : '';
    if (error.message) process.stderr.write(`reloadd: ${error.message}${code}\n`);
    process.exit(error.exitCode);
  }
  if (error instanceof DaemonAlreadyRunning) {
    process.stderr.write(`reloadd: ${error.message}\n`);
    process.exit(ExitCode.Failed);
  }
  process.stderr.write(
    `reloadd: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(ExitCode.Failed);
});
