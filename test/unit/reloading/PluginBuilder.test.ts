import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type BuildOutcome, PluginBuilder } from '../../../src/daemon/building/PluginBuilder.js';
import type { PluginDescriptor } from '../../../src/daemon/crossing/PluginDescriptor.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { descriptorOf } from '../../helpers/pluginSource.js';

/**
 * Builds that wait for a turn go to esbuild together, many entries in one build. What each plugin
 * gets must be what it would get alone: the same module, the same map, the same inputs; and a
 * plugin that does not build must not take the others down with it.
 */
const builders: PluginBuilder[] = [];
afterEach(async () => {
  await Promise.all(builders.splice(0).map((b) => b.close()));
});

function builder(): PluginBuilder {
  const made = new PluginBuilder();
  builders.push(made);
  return made;
}

async function pluginsImportingOneModule(count: number): Promise<PluginDescriptor[]> {
  const dir = await tempDir();
  await editFile(path.join(dir, '_shared', 'lib.ts'), 'export const LIB: string = "v1";\n');
  const plugins: PluginDescriptor[] = [];
  for (let i = 0; i < count; i++) {
    const id = `p${i}`;
    const entry = path.join(dir, id, 'index.ts');
    await editFile(
      entry,
      `import { LIB } from '../_shared/lib.js';\nexport function activate(ctx: { log(m: string): void }): void {\n  ctx.log('${id} ' + LIB);\n}\n`,
    );
    plugins.push({ ...descriptorOf(id), root: path.dirname(entry), entry });
  }
  return plugins;
}

function sameCode(code: string): string {
  return code.replace(/^\s*\/\/ .*$/gm, '//').replace(/\b\w+_exports\b/g, 'module_exports');
}

function bundleOf(outcome: BuildOutcome | undefined) {
  if (!outcome?.ok) throw new Error(`not built: ${JSON.stringify(outcome)}`);
  return outcome.bundle;
}

describe('builds that wait together', () => {
  it('give each plugin the bundle, map and inputs it gets alone', async () => {
    const plugins = await pluginsImportingOneModule(8);
    // At once: two take the turns, the six others wait and go together.
    const together = await Promise.all(plugins.map((p) => builder().build(p)));
    const shared = builder();
    const together2 = await Promise.all(plugins.map((p) => shared.build(p)));
    for (const [i, plugin] of plugins.entries()) {
      const alone = bundleOf(await builder().build(plugin));
      for (const outcome of [together[i], together2[i]]) {
        const bundle = bundleOf(outcome);
        // The same code, line for line, but for what esbuild names after the folder it builds
        // in: the comment naming each file, and the module's exports object.
        expect(sameCode(bundle.code)).toBe(sameCode(alone.code));
        expect(bundle.code.split('\n').length).toBe(alone.code.split('\n').length);
        expect(bundle.map).toBe(alone.map);
        expect([...bundle.inputs].sort()).toEqual([...alone.inputs].sort());
      }
    }
    // Some went together: their comments name their files from the folder all were built in.
    expect(together2.filter((o, i) => bundleOf(o).code.includes(`// p${i}/index.ts`)).length).toBe(
      6,
    );
    expect(bundleOf(together2[7]).inputs).toContain(
      path.join(path.dirname(path.dirname(plugins[7]?.entry ?? '')), '_shared', 'lib.ts'),
    );
  });

  it('give a plugin that does not build its own errors, and the others their bundles', async () => {
    const plugins = await pluginsImportingOneModule(6);
    const broken = plugins[4] as PluginDescriptor;
    await editFile(broken.entry, 'export function activate( {\n');
    const shared = builder();
    const outcomes = await Promise.all(plugins.map((p) => shared.build(p)));
    const alone = await builder().build(broken);
    for (const [i, outcome] of outcomes.entries()) {
      if (i === 4) {
        expect(outcome.ok).toBe(false);
        expect(alone.ok).toBe(false);
        if (outcome.ok || alone.ok) continue;
        expect(outcome.errors).toEqual(alone.errors);
        expect(outcome.errors[0]).toMatchObject({ file: broken.entry });
      } else {
        expect(bundleOf(outcome).code).toContain(`p${i} `);
      }
    }
  });
});
