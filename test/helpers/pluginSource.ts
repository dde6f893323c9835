import type { PluginDescriptor } from '../../src/daemon/crossing/PluginDescriptor.js';

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
