import type { Command } from 'commander';
import {
  DaemonStatus,
  hostName,
  PluginList,
  ReloaddErrorCodes,
  vscodeAttachConfig,
} from '../../protocol/index.js';
import {
  type CommonOptions,
  commonOptions,
  print,
  reporting,
  withDaemon,
} from './daemonSession.js';
import { CliExit, ExitCode } from './exitCodes.js';

/**
 * `reloadd debug ID`: what to paste to debug a plugin of a daemon started with `--inspect`, in
 * Chrome DevTools and in VS Code, for the host the plugin runs in.
 */
export function addDebugCommand(program: Command): void {
  commonOptions(
    program
      .command('debug')
      .description(
        'Say how to attach Chrome DevTools or VS Code to a plugin (the daemon runs with --inspect).',
      )
      .argument('<id>', 'plugin id'),
  ).action((id: string, options: CommonOptions) =>
    reporting(options, async () => {
      const [status, list] = await withDaemon(options, (client) =>
        Promise.all([client.request(DaemonStatus, {}), client.request(PluginList, {})]),
      );
      const plugin = list.plugins.find((p) => p.id === id);
      if (!plugin)
        throw new CliExit(
          ExitCode.Failed,
          `unknown plugin "${id}"`,
          ReloaddErrorCodes.UnknownPlugin,
        );
      const inspector = status.inspector;
      if (!inspector)
        throw new CliExit(
          ExitCode.Failed,
          'the daemon runs without --inspect: restart it with `reloadd serve --inspect` to debug its plugins',
          ReloaddErrorCodes.NotDebugging,
        );
      // A process host has an inspector of its own; a worker host is reached through the
      // daemon's by VS Code, and through a target of its own by Chrome DevTools.
      const own = inspector.processHosts.find((h) => h.plugins.includes(id));
      const worker = inspector.workerHosts.find((h) => h.plugins.includes(id));
      const url = own?.url ?? inspector.url;
      const devtools = own?.devtoolsUrl ?? worker?.devtoolsUrl ?? inspector.devtoolsUrl;
      const address = new URL(url.replace(/^ws:/, 'http:'));
      const target = { host: address.hostname, port: Number(address.port) };
      const host = own ? own.name : hostName(plugin);
      const launch = vscodeAttachConfig(`reloadd: ${id}`, target);
      const answer = {
        id,
        host,
        inspector: url,
        devtoolsUrl: devtools,
        launch,
      };
      print(options, answer, () =>
        [
          `${id} runs in the plugin host "${host}"${own ? ' (a process of its own)' : ', a worker thread of the daemon'}.`,
          '',
          'Chrome DevTools: paste into the address bar',
          `  ${answer.devtoolsUrl}`,
          `  (or chrome://inspect, Configure…, add ${inspector.targetsAddress}: the host is listed as "reloadd plugin host ${host}")`,
          `  then in Sources, Ctrl+P opens your files (${plugin.path} is under file://).`,
          '',
          `VS Code: add to .vscode/launch.json, then Run and Debug > "reloadd: ${id}"`,
          indent(JSON.stringify(launch, null, 2)),
          '',
          'Breakpoints set in your .ts files bind again in each new generation after a save.',
          `Paused at a breakpoint, the plugin's calls have no time limit; the watchdog waits.`,
        ].join('\n'),
      );
    }),
  );
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
