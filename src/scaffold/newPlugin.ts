import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { CliExit, ExitCode } from '../clients/cli/exitCodes.js';
import { UsageError } from '../daemon/config.js';
import { PluginIdSchema } from '../daemon/plugins/manifest.js';

/**
 * `reloadd new NAME`: a plugin folder that runs as it is and passes `reloadd verify`: a manifest,
 * and an entry with activate, deactivate, saveState/restoreState and a command, every resource
 * pushed to ctx.subscriptions. Never over an existing folder.
 */
export function addNewCommand(program: Command): void {
  program
    .command('new')
    .description('Write a new plugin folder, ready to run (TypeScript unless --js).')
    .argument('<name>', 'the plugin id, which names its folder')
    .addOption(new Option('--ts', 'TypeScript (the default)').conflicts('js'))
    .addOption(new Option('--js', 'JavaScript'))
    .option('--dir <dir>', 'the plugins folder to write it in', '.')
    .action(async (name: string, flags: { ts?: boolean; js?: boolean; dir: string }) => {
      const id = PluginIdSchema.safeParse(name);
      if (!id.success)
        throw new UsageError(`"${name}" is not a plugin id: ${id.error.issues[0]?.message}`);
      const folder = path.resolve(flags.dir, name);
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
        `wrote ${path.relative(process.cwd(), folder) || '.'}/plugin.json and ${entry}\n` +
          `run it: reloadd serve --plugins ${flags.dir}; check it: reloadd verify ${flags.dir}\n`,
      );
    });
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
  ctx.log.info(\`${id} active, \${state.greetings} greetings so far\`);
}

export function deactivate(ctx: PluginContext): void {
  ctx.log.info('${id} unloading');
}

// Taken before the old generation goes; given to the new one. Plain data only.
export function saveState(): State {
  return state;
}

export function restoreState(saved: State): void {
  state = saved;
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
  ctx.log.info(\`${id} active, \${state.greetings} greetings so far\`);
}

/** @param {import('reloadd/plugin').PluginContext} ctx */
export function deactivate(ctx) {
  ctx.log.info('${id} unloading');
}

// Taken before the old generation goes; given to the new one. Plain data only.
export function saveState() {
  return state;
}

/** @param {State} saved */
export function restoreState(saved) {
  state = saved;
}

// Bump stateVersion in plugin.json when the shape of State changes, and bring older state here.
/** @returns {State} */
export function migrateState(old, fromVersion) {
  return { greetings: Number(old.greetings ?? 0) };
}
`;
}
