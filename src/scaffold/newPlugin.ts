import { mkdir, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { CliExit, ExitCode } from '../clients/cli/exitCodes.js';
import { findConfigFile } from '../daemon/config/configFile.js';
import { UsageError } from '../daemon/config/usageError.js';
import { PluginIdSchema } from '../daemon/plugins/manifest.js';
import {
  choosePluginsFolder,
  type FolderCandidates,
  readFolder,
  shownFolder,
} from './pluginsFolder.js';

/** The folder made for plugins when none is in force. */
const PROPOSED_FOLDER = 'plugins';

/**
 * `reloadd new NAME`: a plugin folder that runs as it is and passes `reloadd verify`: a manifest,
 * and an entry with activate, deactivate, saveState/restoreState and a command, every resource
 * pushed to ctx.subscriptions. Written into the plugins folder in force (pluginsFolder.ts), never
 * over an existing folder; then what to run next, from here.
 */
export function addNewCommand(program: Command): void {
  program
    .command('new')
    .description(
      "Write a new plugin folder, ready to run (TypeScript unless --js), into the plugins folder: --dir, the config file's, or ./plugins.",
    )
    .argument('<name>', 'the plugin id, which names its folder')
    .addOption(new Option('--ts', 'TypeScript (the default)').conflicts('js'))
    .addOption(new Option('--js', 'JavaScript'))
    .option(
      '--dir <dir>',
      "the plugins folder to write it in (default: the config file's plugins, this folder when it holds only plugins, else ./plugins)",
    )
    .action(async (name: string, flags: { ts?: boolean; js?: boolean; dir?: string }) => {
      const id = PluginIdSchema.safeParse(name);
      if (!id.success)
        throw new UsageError(`"${name}" is not a plugin id: ${id.error.issues[0]?.message}`);
      const cwd = process.cwd();
      const choice = choosePluginsFolder(await folderCandidates(cwd, flags.dir));
      if ('refusal' in choice) throw new UsageError(choice.refusal);
      const pluginsDir = choice.folder.path;
      const folder = path.join(pluginsDir, name);
      const exists = await stat(folder).then(
        () => true,
        () => false,
      );
      if (exists)
        throw new CliExit(ExitCode.Failed, `${folder} already exists; nothing was written`);
      const typescript = !flags.js;
      const entry = typescript ? 'index.ts' : 'index.js';
      await mkdir(folder, { recursive: true });
      await writeFile(path.join(folder, 'plugin.json'), manifest(name, entry));
      await writeFile(path.join(folder, entry), typescript ? tsEntry(name) : jsEntry(name));
      process.stdout.write(
        nextSteps({
          shownFolder: shellWord(shownFolder(pluginsDir, cwd)),
          why: choice.why,
          id: name,
          entry,
          typesFound: resolvesReloadd(folder),
        }),
      );
    });
}

/** What decides the folder, read from the disk: only as much as the choice can need. */
async function folderCandidates(cwd: string, dir: string | undefined): Promise<FolderCandidates> {
  const current = await readFolder(cwd);
  const proposed = await readFolder(path.join(cwd, PROPOSED_FOLDER));
  if (dir !== undefined)
    return { cwd, flag: await readFolder(path.resolve(cwd, dir)), current, proposed };
  const config = await findConfigFile(undefined, cwd, cwd);
  const configured = config?.settings.plugins;
  return {
    cwd,
    ...(config && configured
      ? { configured: { folder: await readFolder(configured), file: config.shown } }
      : {}),
    current,
    proposed,
  };
}

/** Whether `reloadd/plugin`, which the entry imports types from, resolves from the plugin's folder. */
function resolvesReloadd(folder: string): boolean {
  try {
    createRequire(path.join(folder, 'index.js')).resolve('reloadd/package.json');
    return true;
  } catch {
    return false;
  }
}

/** What to run next, spelled to work from the current folder. */
export function nextSteps(written: {
  shownFolder: string;
  why: string;
  id: string;
  entry: string;
  typesFound: boolean;
}): string {
  const { shownFolder, why, id, entry } = written;
  const steps = [
    [
      `npx reloadd serve --plugins ${shownFolder}`,
      `run it; save ${entry} and it reloads, its state kept`,
    ],
    [`npx reloadd verify ${shownFolder}`, 'check that it hot-reloads cleanly'],
    [`npx reloadd exec ${commandPrefix(id)}.greet`, 'run its command on the running daemon'],
  ];
  const width = Math.max(...steps.map(([command]) => command?.length ?? 0));
  const types = written.typesFound
    ? []
    : [
        `Its types (import type … from 'reloadd/plugin') need reloadd installed in this project: npm i -D reloadd's packed tarball (README, Install).`,
      ];
  return [
    `wrote ${shownFolder}/${id}/plugin.json and ${entry} (${why})`,
    'next, from this folder:',
    ...steps.map(([command, what]) => `  ${command?.padEnd(width)}  ${what}`),
    ...types,
    '',
  ].join('\n');
}

/** A path as a shell reads it as one word. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

function manifest(id: string, main: string): string {
  return `${JSON.stringify(
    {
      id,
      name: id,
      version: '0.1.0',
      main,
      capabilities: { supportsHotReload: true, supportsDisable: true },
      stateVersion: 1,
    },
    null,
    2,
  )}\n`;
}

/** A JavaScript name for the plugin's commands: `my-plugin` → `myPlugin`. */
function commandPrefix(id: string): string {
  return id.replace(/[-_.]+(.)/g, (_, c: string) => c.toUpperCase());
}

function tsEntry(id: string): string {
  const prefix = commandPrefix(id);
  return `// The ${id} plugin. Save this file while reloadd runs: it reloads, and its state carries on.
import type { PluginContext } from 'reloadd/plugin';

interface State {
  greetings: number;
}

let state: State = { greetings: 0 };

export function activate(ctx: PluginContext): void {
  // Everything pushed to ctx.subscriptions is disposed when this generation is unloaded.
  ctx.subscriptions.push(
    ctx.commands.register('${prefix}.greet', (name = 'world') => {
      state.greetings += 1;
      return \`hello, \${name} (\${state.greetings})\`;
    }),
  );
  // No word of the state here: it comes back after activate, in restoreState.
}

export function deactivate(ctx: PluginContext): void {
  ctx.log.info(\`${id} unloading after \${state.greetings} greetings\`);
}

// Taken before the old generation goes; given to the new one. Plain data only.
export function saveState(): State {
  return state;
}

// Called after activate with what the last generation (or, with --state-dir, the last run) left.
export function restoreState(saved: State): void {
  state = saved;
  console.info(\`${id}: \${state.greetings} greetings kept\`);
}

// Bump stateVersion in plugin.json when the shape of State changes, and bring older state here.
export function migrateState(old: Partial<State>, fromVersion: number | undefined): State {
  return { greetings: Number(old.greetings ?? 0) };
}
`;
}

function jsEntry(id: string): string {
  const prefix = commandPrefix(id);
  return `// The ${id} plugin. Save this file while reloadd runs: it reloads, and its state carries on.
/** @typedef {{ greetings: number }} State */

/** @type {State} */
let state = { greetings: 0 };

/** @param {import('reloadd/plugin').PluginContext} ctx */
export function activate(ctx) {
  // Everything pushed to ctx.subscriptions is disposed when this generation is unloaded.
  ctx.subscriptions.push(
    ctx.commands.register('${prefix}.greet', (name = 'world') => {
      state.greetings += 1;
      return \`hello, \${name} (\${state.greetings})\`;
    }),
  );
  // No word of the state here: it comes back after activate, in restoreState.
}

/** @param {import('reloadd/plugin').PluginContext} ctx */
export function deactivate(ctx) {
  ctx.log.info(\`${id} unloading after \${state.greetings} greetings\`);
}

// Taken before the old generation goes; given to the new one. Plain data only.
export function saveState() {
  return state;
}

// Called after activate with what the last generation (or, with --state-dir, the last run) left.
/** @param {State} saved */
export function restoreState(saved) {
  state = saved;
  console.info(\`${id}: \${state.greetings} greetings kept\`);
}

// Bump stateVersion in plugin.json when the shape of State changes, and bring older state here.
/** @returns {State} */
export function migrateState(old, fromVersion) {
  return { greetings: Number(old.greetings ?? 0) };
}
`;
}
