import type { Command } from 'commander';
import { PluginExecuteCommand } from '../../protocol/index.js';
import {
  type CommonOptions,
  commonOptions,
  print,
  reporting,
  usage,
  withDaemon,
} from './daemonSession.js';
import { formatCommandResult } from './humanOutput.js';

/**
 * `reloadd exec COMMAND [ARGS…]`: a plugin's command, run on the running daemon as the dashboard
 * runs it (`plugin/executeCommand`), from a shell or a script.
 */
export function addExecCommand(program: Command): void {
  commonOptions(
    program
      .command('exec')
      .description(
        "Run a plugin's command on the running daemon and print what it returns; exits with 1 if it fails.",
      )
      .argument('<command>', 'the command, as the plugin registered it (hello.greet)')
      .argument(
        '[args...]',
        'its arguments, each read as JSON (2, true, null, \'{"a":1}\', \'"2"\'); a word that is not JSON is a string; after --, one that starts with -',
      ),
  ).action((command: string, words: string[], options: CommonOptions) =>
    reporting(options, async () => {
      const parsed = commandArguments(words);
      if ('problem' in parsed) throw usage(parsed.problem);
      const result = await withDaemon(options, (client) =>
        client.request(PluginExecuteCommand, { command, args: parsed.args }),
      );
      // A command that returns nothing prints nothing, as a shell command does; --json says null.
      if (!options.json && (result === undefined || result === null)) return;
      print(options, result ?? null, () => formatCommandResult(result));
    }),
  );
}

/**
 * The command's arguments from the words of the command line: each word is read as JSON, and one
 * that is not JSON is the string it spells (`Ann`, `1.2.3`). A word that opens an object, an array
 * or a quoted string and does not parse is a mistake, not a string: it is refused, with why.
 */
export function commandArguments(
  words: readonly string[],
): { args: unknown[] } | { problem: string } {
  const args: unknown[] = [];
  for (const [i, word] of words.entries()) {
    try {
      args.push(JSON.parse(word));
    } catch (error) {
      if (/^\s*[[{"]/.test(word))
        return {
          problem: `argument ${i + 1}, ${word}, is not JSON (${(error as Error).message}); to pass it as a string, quote it as JSON: '${JSON.stringify(word)}'`,
        };
      args.push(word);
    }
  }
  return { args };
}
