import { describe, expect, it } from 'vitest';
import { nextSteps } from '../../../src/scaffold/newPlugin.js';
import { choosePluginsFolder, type FolderContents } from '../../../src/scaffold/pluginsFolder.js';

/** `reloadd new`: which folder a plugin goes into, and what it says to run next. */
const cwd = '/home/me/project';
function folder(
  at: string,
  contents: Partial<Pick<FolderContents, 'kind' | 'plugins' | 'others'>> = {},
): FolderContents {
  return { path: at, kind: 'folder', plugins: [], others: [], ...contents };
}
const projectRoot = folder(cwd, { plugins: ['vitest.config'], others: ['package.json', 'src'] });
const noPluginsYet = folder(`${cwd}/plugins`, { kind: 'missing' });

describe('choosePluginsFolder', () => {
  it('takes --dir first, then the config file, then a folder of plugins here, then ./plugins', () => {
    const flag = folder('/elsewhere/plugins', { plugins: ['a'] });
    const configured = { folder: folder(`${cwd}/editor/plugins`), file: 'reloadd.json' };
    const current = folder(cwd, { plugins: ['a.js', 'b'] });
    expect(choosePluginsFolder({ cwd, flag, configured, current, proposed: noPluginsYet })).toEqual(
      { folder: flag, why: '--dir' },
    );
    expect(choosePluginsFolder({ cwd, configured, current, proposed: noPluginsYet })).toEqual({
      folder: configured.folder,
      why: 'the plugins folder of reloadd.json',
    });
    expect(choosePluginsFolder({ cwd, current, proposed: noPluginsYet })).toEqual({
      folder: current,
      why: 'this folder, which holds only plugins',
    });
    expect(choosePluginsFolder({ cwd, current: projectRoot, proposed: noPluginsYet })).toEqual({
      folder: noPluginsYet,
      why: 'a new plugins folder',
    });
    // An empty folder here is no plugins folder: nothing says it is one.
    expect(choosePluginsFolder({ cwd, current: folder(cwd), proposed: noPluginsYet })).toEqual({
      folder: noPluginsYet,
      why: 'a new plugins folder',
    });
  });

  it('never writes among files that are not plugins, and names them', () => {
    expect(
      choosePluginsFolder({ cwd, flag: projectRoot, current: projectRoot, proposed: noPluginsYet }),
    ).toEqual({
      refusal: expect.stringMatching(
        /^\. \(--dir\) holds package\.json, src, which are not plugins: .*; name another with --dir DIR$/,
      ),
    });
    const crowded = folder(`${cwd}/plugins`, { others: ['a.md', 'b.txt', 'c', 'd'] });
    expect(choosePluginsFolder({ cwd, current: projectRoot, proposed: crowded })).toEqual({
      refusal: expect.stringMatching(
        /^plugins \(the plugins folder\) holds a\.md, b\.txt, c, …, which are not plugins: .*; name the plugins folder with --dir DIR$/,
      ),
    });
    const file = folder(`${cwd}/notes.txt`, { kind: 'not a folder' });
    expect(
      choosePluginsFolder({ cwd, flag: file, current: projectRoot, proposed: noPluginsYet }),
    ).toEqual({ refusal: 'notes.txt (--dir) is not a folder; name another with --dir DIR' });
  });
});

describe('nextSteps', () => {
  const written = {
    shownFolder: 'plugins',
    why: 'a new plugins folder',
    id: 'hello-world',
    entry: 'index.ts',
  };

  it('spells each step from the current folder, with the command the plugin registers', () => {
    const text = nextSteps({ ...written, typesFound: true });
    expect(text.split('\n')).toEqual([
      'wrote plugins/hello-world/plugin.json and index.ts (a new plugins folder)',
      'next, from this folder:',
      '  npx reloadd serve --plugins plugins  run it; save index.ts and it reloads, its state kept',
      '  npx reloadd verify plugins           check that it hot-reloads cleanly',
      '  npx reloadd exec helloWorld.greet    run its command on the running daemon',
      '',
    ]);
  });

  it('says what the types need only when reloadd is not installed where the plugin is', () => {
    expect(nextSteps({ ...written, typesFound: false })).toContain(
      "Its types (import type … from 'reloadd/plugin') need reloadd installed in this project",
    );
  });
});
