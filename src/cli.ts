#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { addClientCommands } from './clients/cli/clientCommands.js';
import { addDebugCommand } from './clients/cli/debugCommand.js';
import { addExecCommand } from './clients/cli/execCommand.js';
import { CliExit, ExitCode } from './clients/cli/exitCodes.js';
import { addConfigCommand } from './daemon/config/configCommand.js';
import { addServeOptions } from './daemon/config/serveOptions.js';
import { resolveServeSettings } from './daemon/config/serveSettings.js';
import { UsageError } from './daemon/config/usageError.js';
import { VERSION } from './daemon/installation.js';
import { DaemonAlreadyRunning } from './daemon/network/DaemonFileClaim.js';
import { FolderRefused } from './daemon/network/privateFolder.js';
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

addServeOptions(program.command('serve').description('Run the daemon on a folder of plugins.'))
  .addHelpText(
    'after',
    `
Examples:
  reloadd serve --plugins ./plugins                 watch ./plugins and print what happens
  reloadd serve --plugins ./plugins --stdio         what an editor runs, as it runs a language server
  reloadd serve --config reloadd.json --state-dir .reloadd/state
  reloadd serve --stdio                             settings from reloadd.json, reloadd.toml or config.toml's [dev] here
  reloadd serve --plugins ./plugins --stdio --port 0  an editor's daemon that the dashboard and CI can share`,
  )
  .action(async (flags) => {
    await serve(await resolveServeSettings(flags));
  });

addClientCommands(program);
addExecCommand(program);
addDebugCommand(program);
addConfigCommand(program);
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
  if (error instanceof UsageError || error instanceof FolderRefused) {
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
