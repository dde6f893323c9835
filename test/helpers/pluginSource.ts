import path from 'node:path';
import type { PluginDescriptor } from '../../src/daemon/crossing/PluginDescriptor.js';
import { type Diagnostic, DiagnosticCodes } from '../../src/protocol/index.js';
import { editFile, tempDir } from './files.js';

/**
 * Source of a small plugin with a version string and a counter that it hands over across reloads:
 * `<id>.get` returns both, `<id>.increment` counts. `extra` is pasted at module level.
 */
export function counterPlugin(id: string, version: string, extra = ''): string {
  return `${extra}
const VERSION = ${JSON.stringify(version)};
let state = { count: 0 };
export function activate(ctx) {
  ctx.subscriptions.push(
    ctx.commands.register('${id}.get', () => ({ version: VERSION, count: state.count, generation: ctx.generation })),
    ctx.commands.register('${id}.increment', () => ++state.count),
  );
}
export function saveState() { return state; }
export function restoreState(saved) { state = saved; }
`;
}

/** What `reloadd new greeter` writes, with the state's one field given here. */
export function greeterPlugin(greetings: string): string {
  return `import type { PluginContext } from 'reloadd/plugin';

interface State {
  greetings: number;
}

let state: State = { greetings: ${greetings} };

export function activate(ctx: PluginContext): void {
  ctx.subscriptions.push(
    ctx.commands.register('greeter.greet', (name = 'world') => {
      state.greetings += 1;
      return \`hello, \${name} (\${state.greetings})\`;
    }),
  );
  ctx.log.info(\`greeter active, \${state.greetings} greetings so far\`);
}

export function saveState(): State {
  return state;
}

export function restoreState(saved: State): void {
  state = saved;
}
`;
}

export function manifest(id: string, fields: Record<string, unknown> = {}): string {
  return JSON.stringify({ id, name: id, version: '1.0.0', main: 'index.js', ...fields }, null, 2);
}

/** What discovery would make of a plugin `id` that lives nowhere on disk (for tests of pure parts). */
export function descriptorOf(id: string): PluginDescriptor {
  return {
    id,
    name: id,
    version: '1.0.0',
    root: `/nowhere/${id}`,
    entry: `/nowhere/${id}/index.js`,
    supportsHotReload: true,
    supportsDisable: true,
    isolation: 'shared',
    dependencies: {},
  };
}

/** A plugins folder with the greeter plugin in it (`greetings` its state's one field); its entry. */
export async function greeterFolder(greetings: string): Promise<{ dir: string; entry: string }> {
  const dir = await tempDir();
  const entry = path.join(dir, 'greeter', 'index.ts');
  await editFile(
    path.join(dir, 'greeter', 'plugin.json'),
    manifest('greeter', { main: 'index.ts' }),
  );
  await editFile(entry, greeterPlugin(greetings));
  return { dir, entry };
}

/** The type check's diagnostics among a plugin's. */
export function typeErrors(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((d) => d.code === DiagnosticCodes.TypeError);
}
