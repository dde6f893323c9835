import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { ProgressLine } from '../../clients/cli/ProgressLine.js';
import { findConfigFile } from '../config/configFile.js';
import { requirePluginsFolder } from '../config/serveSettings.js';
import { UsageError } from '../config/usageError.js';
import { readStandInScript, type StandInScript } from '../toClients/EditorStandIn.js';
import { formatVerdicts, passed, verdictsAsJson, verdictsAsJUnit } from './verifyReport.js';
import { verifyPlugins } from './verifyRun.js';

interface VerifyFlags {
  config?: string;
  reloads: string;
  json?: boolean;
  editor?: string;
  reporter?: 'text' | 'junit';
  output?: string;
  strict?: boolean;
}

/**
 * `reloadd verify [DIR]`: exit 0 when every plugin passes (warnings included, unless
 * `--strict`), 1 when one fails, 2 on bad usage.
 */
export function addVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description(
      'Check that every plugin of DIR hot-reloads cleanly (for CI): reloads succeed, state survives, nothing leaks.',
    )
    .argument(
      '[dir]',
      'the plugins folder (default: "plugins" of --config FILE, or of reloadd.json, reloadd.toml or config.toml [dev] here)',
    )
    .option('--config <file>', 'config file (.json or .toml) whose "plugins" names the folder')
    .option('--reloads <n>', 'reloads per plugin', '5')
    .option('--json', 'print the results as JSON, with every editor call each plugin made')
    .option(
      '--editor <file>',
      "what the editor stand-in answers: a .json file or a JS module of calls, state and events (default: each call's declared default)",
    )
    .addOption(
      new Option('--reporter <kind>', 'also write a report: junit (needs --output)').choices([
        'text',
        'junit',
      ]),
    )
    .option('--output <file>', 'where --reporter junit writes its XML')
    .option(
      '--strict',
      'fail on warnings too: commands, listeners and timers a generation left registered, which reloadd removed at unload',
    )
    .action(async (dir: string | undefined, flags: VerifyFlags) => {
      const reloads = Number(flags.reloads);
      if (!Number.isInteger(reloads) || reloads < 1 || reloads > 1000)
        throw new UsageError(
          `--reloads must be a whole number from 1 to 1000, not "${flags.reloads}"`,
        );
      if (flags.reporter === 'junit' && !flags.output)
        throw new UsageError('--reporter junit needs --output FILE');
      const pluginsDir = dir
        ? path.resolve(dir)
        : (await findConfigFile(flags.config, process.cwd(), process.cwd()))?.settings.plugins;
      if (!pluginsDir)
        throw new UsageError(
          'give the plugins folder: reloadd verify DIR, or "plugins" in a config file',
        );
      await requirePluginsFolder(pluginsDir);
      let editor: StandInScript | undefined;
      if (flags.editor)
        editor = await readStandInScript(flags.editor).catch((error: unknown) => {
          throw new UsageError(
            `--editor: ${error instanceof Error ? error.message : String(error)}`,
          );
        });
      const line = ProgressLine.onTerminal(flags.json);
      const strict = flags.strict === true;
      const verdicts = await verifyPlugins({
        pluginsDir,
        reloads,
        strict,
        ...(editor ? { editor } : {}),
        ...(line ? { onProgress: (what: string) => line.show(`verifying ${what}…`) } : {}),
      });
      line?.clear();
      process.stdout.write(
        `${flags.json ? JSON.stringify(verdictsAsJson(verdicts, { reloads, strict }), null, 2) : formatVerdicts(verdicts, { reloads, strict })}\n`,
      );
      if (flags.reporter === 'junit' && flags.output)
        await writeFile(flags.output, verdictsAsJUnit(verdicts));
      if (!verdicts.every(passed)) process.exitCode = 1;
    });
}
