import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  impactOfChanges,
  type PlanPlugin,
  patterns,
  planReload,
} from '../../../src/daemon/reloading/planReload.js';

const ROOT = path.resolve('/work/plugins');
const at = (...parts: string[]) => path.join(ROOT, ...parts);

function plugin(id: string, fields: Partial<PlanPlugin> = {}): PlanPlugin {
  return {
    id,
    root: at(id),
    manifestPath: at(id, 'plugin.json'),
    inputs: new Set([at(id, 'index.ts')]),
    failedBuild: false,
    dependencies: [],
    ...fields,
  };
}

describe('impactOfChanges', () => {
  it('reloads a plugin for a file it reads at run time (watch), and for nothing ignored', () => {
    const plugins = [
      plugin('a', { watch: ['templates/*.html', '*.json'] }),
      plugin('b', { watch: ['*.json'] }),
    ];
    const change = (...parts: string[]) => ({ path: at(...parts), kind: 'change' as const });
    const impact = impactOfChanges(
      [
        change('a', 'templates', 'page.html'),
        change('a', 'templates', 'deep', 'page.html'),
        change('b', 'data', 'table.json'),
        change('a', 'generated', 'table.json'),
        change('b', 'notes.txt'),
      ],
      plugins,
      ROOT,
      patterns(['*/generated']),
    );
    // `templates/*.html` is from the folder; `*.json` is a name at any depth; `*/generated`
    // covers everything under it.
    expect(impact.plugins).toEqual(
      new Map([
        ['a', [at('a', 'templates', 'page.html')]],
        ['b', [at('b', 'data', 'table.json')]],
      ]),
    );
    expect(patterns(['*/generated']).covers(path.join('a', 'generated', 'x', 'y.js'))).toBe(true);
    expect(patterns(['*/generated']).covers(path.join('a', 'src', 'generated.js'))).toBe(false);
  });

  it('reads a folder again when a manifest in it is saved, created or deleted, but not for other files', () => {
    // `b` has no manifest yet: a save of a new plugin.json is how an editor tells of it.
    const plugins = [plugin('a'), plugin('b', { manifestPath: undefined })];
    const impact = impactOfChanges(
      [
        { path: at('b', 'plugin.json'), kind: 'change' },
        { path: at('a', 'package.json'), kind: 'unlink' },
        { path: at('a', 'notes.md'), kind: 'change' },
        { path: at('a', 'lib', 'plugin.json'), kind: 'change' },
      ],
      plugins,
      ROOT,
    );
    expect(impact.entries).toEqual(['a', 'b']);
    expect(
      impactOfChanges([{ path: at('a', 'notes.md'), kind: 'change' }], plugins, ROOT).entries,
    ).toEqual([]);
  });

  it('maps a changed file to every plugin whose bundle includes it, wherever it is', () => {
    const shared = path.resolve('/work/shared/util.ts');
    const plugins = [
      plugin('a', { inputs: new Set([at('a', 'index.ts'), shared]) }),
      plugin('b', { inputs: new Set([at('b', 'index.ts'), shared]) }),
      plugin('c'),
    ];
    const impact = impactOfChanges([{ path: shared, kind: 'change' }], plugins, ROOT);
    expect([...impact.plugins]).toEqual([
      ['a', [shared]],
      ['b', [shared]],
    ]);
    expect(impact.entries).toEqual([]);
  });

  it('asks to read an entry again when a manifest changes, a plugin appears or a file plugin changes', () => {
    const plugins = [
      plugin('a'),
      plugin('single', { root: at('single.js'), inputs: new Set([at('single.js')]) }),
    ];
    delete (plugins[1] as Partial<PlanPlugin>).manifestPath;
    const impact = impactOfChanges(
      [
        { path: at('a', 'plugin.json'), kind: 'change' },
        { path: at('fresh', 'index.js'), kind: 'add' },
        { path: at('single.js'), kind: 'change' },
        { path: at('a', 'deep', 'notes.md'), kind: 'change' },
      ],
      plugins,
      ROOT,
    );
    expect(impact.entries).toEqual(['a', 'fresh', 'single.js']);
    expect([...impact.plugins.keys()]).toEqual(['single']);
  });

  it('never treats "_" or "." entries as plugins, but still maps their files through bundles', () => {
    const helper = at('_shared', 'h.ts');
    const impact = impactOfChanges(
      [{ path: helper, kind: 'change' }],
      [plugin('a', { inputs: new Set([helper]) })],
      ROOT,
    );
    expect(impact.entries).toEqual([]);
    expect([...impact.plugins.keys()]).toEqual(['a']);
  });

  it('retries a plugin whose last build failed on any change in its folder', () => {
    const added = at('a', 'missing-import.ts');
    const impact = impactOfChanges(
      [{ path: added, kind: 'add' }],
      [plugin('a', { failedBuild: true })],
      ROOT,
    );
    expect(impact.plugins.get('a')).toEqual([added]);
  });
});

describe('planReload', () => {
  const graph = [
    plugin('base'),
    plugin('ui', { dependencies: ['base'] }),
    plugin('theme', { dependencies: ['base'] }),
    plugin('app', { dependencies: ['ui', 'theme'] }),
    plugin('other'),
  ];

  it('adds every dependent, after its dependencies, with trigger "dependency" and the reloads that brought it along', () => {
    const plan = planReload(new Map([['base', ['f']]]), 'file', graph);
    expect(plan.steps).toEqual([
      { id: 'base', trigger: 'file', changedFiles: ['f'] },
      { id: 'theme', trigger: 'dependency', causedBy: ['base'] },
      { id: 'ui', trigger: 'dependency', causedBy: ['base'] },
      { id: 'app', trigger: 'dependency', causedBy: ['theme', 'ui'] },
    ]);
    expect(plan.cycles).toEqual([]);
  });

  it('keeps the requested trigger for plugins asked for directly', () => {
    const plan = planReload(
      new Map([
        ['app', undefined],
        ['ui', undefined],
      ]),
      'request',
      graph,
    );
    expect(plan.steps).toEqual([
      { id: 'ui', trigger: 'request' },
      { id: 'app', trigger: 'request' },
    ]);
  });

  it('reports cycles and places their members last, in id order', () => {
    const cyclic = [
      plugin('x', { dependencies: ['y'] }),
      plugin('y', { dependencies: ['x'] }),
      plugin('z', { dependencies: ['x'] }),
      plugin('free'),
    ];
    const plan = planReload(new Map(cyclic.map((p) => [p.id, undefined])), 'startup', cyclic);
    expect(plan.steps.map((s) => s.id)).toEqual(['free', 'x', 'y', 'z']);
    expect(plan.cycles).toEqual([['x', 'y']]);
  });

  it('ignores unknown ids and dependencies on plugins that are not there', () => {
    const plan = planReload(
      new Map([
        ['ghost', undefined],
        ['lonely', undefined],
      ]),
      'request',
      [plugin('lonely', { dependencies: ['gone'] })],
    );
    expect(plan.steps).toEqual([{ id: 'lonely', trigger: 'request' }]);
  });
});
