import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  resolveServeSettings,
  resolveServeSources,
} from '../../../src/daemon/config/serveSettings.js';
import { UsageError } from '../../../src/daemon/config/usageError.js';
import { discoverPlugins } from '../../../src/daemon/plugins/pluginFolder.js';
import { firstSight } from '../../../src/daemon/watching/FileChangePipeline.js';
import { DiagnosticCodes } from '../../../src/protocol/index.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { descriptorOf } from '../../helpers/pluginSource.js';

describe('discoverPlugins', () => {
  it('reads folders with plugin.json or package.json or an index file, single files, and skips "_", "." and non-plugins, naming those', async () => {
    const dir = await tempDir();
    await editFile(
      path.join(dir, 'with-manifest', 'plugin.json'),
      JSON.stringify({
        id: 'com.example.tool',
        version: '2.0.0',
        main: 'src/main.ts',
        dependencies: ['base'],
        stateVersion: 3,
      }),
    );
    await editFile(path.join(dir, 'with-manifest', 'src', 'main.ts'), '');
    await editFile(
      path.join(dir, 'pkg', 'package.json'),
      JSON.stringify({
        name: 'pkg-name',
        version: '1.2.3',
        main: 'lib.js',
        reloadd: { capabilities: { supportsDisable: false } },
      }),
    );
    await editFile(path.join(dir, 'pkg', 'lib.js'), '');
    await editFile(path.join(dir, 'single.ts'), '');
    await editFile(path.join(dir, '_shared', 'plugin.json'), '{}');
    await editFile(path.join(dir, '_helper.js'), '');
    await editFile(path.join(dir, '.hidden.js'), '');
    await editFile(path.join(dir, 'notes', 'README.md'), '');
    await editFile(path.join(dir, 'bare', 'index.js'), '');
    await editFile(path.join(dir, 'types.d.ts'), '');

    const notPlugins: string[] = [];
    const found = await discoverPlugins(dir, (name) => notPlugins.push(name));
    expect(notPlugins).toEqual(['notes']);
    expect(found.map((e) => (e.kind === 'plugin' ? e.descriptor : e.invalid))).toEqual([
      {
        id: 'bare',
        name: 'bare',
        version: '0.0.0',
        root: path.join(dir, 'bare'),
        entry: path.join(dir, 'bare', 'index.js'),
        supportsHotReload: true,
        supportsDisable: true,
        isolation: 'shared',
        dependencies: {},
      },
      {
        id: 'pkg',
        name: 'pkg-name',
        version: '1.2.3',
        root: path.join(dir, 'pkg'),
        entry: path.join(dir, 'pkg', 'lib.js'),
        manifestPath: path.join(dir, 'pkg', 'package.json'),
        supportsHotReload: true,
        supportsDisable: false,
        isolation: 'shared',
        dependencies: {},
      },
      {
        id: 'single',
        name: 'single',
        version: '0.0.0',
        root: path.join(dir, 'single.ts'),
        entry: path.join(dir, 'single.ts'),
        supportsHotReload: true,
        supportsDisable: true,
        isolation: 'shared',
        dependencies: {},
      },
      {
        id: 'com.example.tool',
        name: 'com.example.tool',
        version: '2.0.0',
        root: path.join(dir, 'with-manifest'),
        entry: path.join(dir, 'with-manifest', 'src', 'main.ts'),
        manifestPath: path.join(dir, 'with-manifest', 'plugin.json'),
        supportsHotReload: true,
        supportsDisable: true,
        isolation: 'shared',
        dependencies: { base: '*' },
        stateVersion: 3,
      },
    ]);
  });

  it('turns bad manifests into clear reasons, never exceptions', async () => {
    const dir = await tempDir();
    await editFile(path.join(dir, 'not-json', 'plugin.json'), '{ nope');
    await editFile(
      path.join(dir, 'escapes', 'plugin.json'),
      JSON.stringify({ main: '../../etc/passwd' }),
    );
    await editFile(path.join(dir, 'bad-id', 'plugin.json'), JSON.stringify({ id: 'a/../b' }));
    await editFile(path.join(dir, 'no-main', 'plugin.json'), JSON.stringify({}));
    await editFile(path.join(dir, 'has space.js'), '');
    const found = await discoverPlugins(dir);
    const reasons = Object.fromEntries(
      found.map((e) =>
        e.kind === 'invalid' ? [e.invalid.root, e.invalid.message] : [e.descriptor.root, 'valid'],
      ),
    );
    expect(reasons[path.join(dir, 'not-json')]).toMatch(/^plugin\.json is not valid JSON/);
    expect(reasons[path.join(dir, 'escapes')]).toBe(
      '"main" (../../etc/passwd) must stay inside the plugin folder',
    );
    expect(reasons[path.join(dir, 'bad-id')]).toContain('id: may contain only letters');
    expect(reasons[path.join(dir, 'no-main')]).toContain('no "main" in the manifest');
    expect(reasons[path.join(dir, 'has space.js')]).toContain('plugin file name "has space"');
  });

  it('lets a Husk file give way to the runnable plugin of the same id beside it, and says so', async () => {
    const dir = await tempDir();
    // Red's own plugins folder while it moved to Husk: barbecue.hk beside barbecue.js.
    await editFile(path.join(dir, 'barbecue.hk'), 'fn activate(red) {}');
    await editFile(path.join(dir, 'barbecue.js'), 'export function activate() {}');
    await editFile(path.join(dir, 'replay.hk'), 'fn activate(red) {}');
    const notListed: [string, string][] = [];
    const found = await discoverPlugins(dir, (name, why) => notListed.push([name, why]));
    expect(
      found.map((e) =>
        e.kind === 'plugin' ? [e.descriptor.entry] : [e.invalid.code, e.invalid.file],
      ),
    ).toEqual([
      [path.join(dir, 'barbecue.js')],
      [DiagnosticCodes.HuskPlugin, path.join(dir, 'replay.hk')],
    ]);
    expect(notListed).toEqual([
      ['barbecue.hk', expect.stringContaining('which reloadd does not run')],
    ]);
    expect(notListed[0]?.[1]).toContain('the plugin "barbecue" beside it runs instead');
  });

  it('refuses a write grant that reaches the manifest, by name or through a link', async () => {
    const dir = await tempDir();
    const grant = (id: string, write: string[]) =>
      editFile(
        path.join(dir, id, 'plugin.json'),
        JSON.stringify({ id, permissions: { fs: { write } } }),
      );
    for (const [id, write] of [
      ['whole', ['.']],
      ['cached', ['cache']],
      ['linked', ['back']],
    ] as const) {
      await grant(id, [...write]);
      await editFile(path.join(dir, id, 'index.js'), 'export function activate() {}');
    }
    await symlink(path.join(dir, 'linked'), path.join(dir, 'linked', 'back'));
    const found = await discoverPlugins(dir);
    const reason = (id: string) => {
      const entry = found.find((e) =>
        e.kind === 'invalid' ? e.invalid.id === id : e.descriptor.id === id,
      );
      return entry?.kind === 'invalid' ? entry.invalid.message : 'valid';
    };
    expect(reason('whole')).toBe(
      'permissions.fs.write "." covers the plugin\'s own plugin.json: it could write itself other permissions; grant a folder inside it ("cache", say) instead',
    );
    expect(reason('linked')).toMatch(/^permissions\.fs\.write "back" covers/);
    expect(reason('cached')).toBe('valid');
  });
});

describe('resolveServeSettings', () => {
  it('takes flags over the config file over defaults, resolving paths from where each was given', async () => {
    const dir = await tempDir();
    await editFile(
      path.join(dir, 'conf', 'reloadd.json'),
      JSON.stringify({ plugins: 'plugins', stateDir: 'state', debounceMs: 50, logLevel: 'warn' }),
    );
    const fromFile = await resolveServeSettings({ config: 'conf/reloadd.json' }, dir);
    expect(fromFile).toEqual({
      pluginsDir: path.join(dir, 'conf', 'plugins'),
      stateDir: path.join(dir, 'conf', 'state'),
      debounceMs: 50,
      hotReload: true,
      notifications: true,
      notifySuccess: false,
      logMessages: true,
      messageActions: false,
      typecheck: true,
      logLevel: 'warn',
      stdio: false,
      lifecycleTimeoutMs: 2000,
      commandTimeoutMs: 10000,
      hostMemoryMb: 512,
      editorCallTimeoutMs: 10000,
      // Standalone, the daemon listens on a free loopback port unless told otherwise.
      listen: { host: '127.0.0.1', port: 0 },
      workspace: dir,
      maxPayloadBytes: 1024 * 1024,
      clientBacklogBytes: 8 * 1024 * 1024,
      logBufferSize: 1000,
      largeStateBytes: 8 * 1024 * 1024,
      largeStateIntervalMs: 1000,
      snapshotHistory: 20,
      maxSnapshotBytes: 16 * 1024 * 1024,
      requirePermissions: false,
      watch: [],
      ignore: [],
      breakOnError: false,
    });
    const flagged = await resolveServeSettings(
      {
        config: 'conf/reloadd.json',
        plugins: 'mine',
        debounce: '5',
        hotReload: false,
        stdio: true,
      },
      dir,
    );
    expect(flagged).toMatchObject({
      pluginsDir: path.join(dir, 'mine'),
      debounceMs: 5,
      hotReload: false,
      stdio: true,
    });
    // Under an editor, listening is opt-in.
    expect(flagged.listen).toBeUndefined();
    // Globs add up: the file's, then the flags'.
    await editFile(
      path.join(dir, 'globs.json'),
      JSON.stringify({ plugins: 'p', watch: ['*.html'], ignore: ['*/generated'] }),
    );
    expect(
      await resolveServeSettings({ config: 'globs.json', watch: ['*.css'], ignore: ['tmp'] }, dir),
    ).toMatchObject({ watch: ['*.html', '*.css'], ignore: ['*/generated', 'tmp'] });
    const listening = await resolveServeSettings({ plugins: 'p', stdio: true, port: '4711' }, dir);
    expect(listening.listen).toEqual({ host: '127.0.0.1', port: 4711 });
  });

  it('refuses a non-loopback host without --allow-remote, and a bad port', async () => {
    const dir = await tempDir();
    await expect(resolveServeSettings({ plugins: 'p', host: '0.0.0.0' }, dir)).rejects.toThrow(
      /not a loopback address.*--allow-remote/,
    );
    const allowed = await resolveServeSettings(
      { plugins: 'p', host: '0.0.0.0', allowRemote: true },
      dir,
    );
    expect(allowed.listen).toEqual({ host: '0.0.0.0', port: 0 });
    // Under an editor without --port nothing listens, so there is nothing to refuse.
    const quiet = await resolveServeSettings({ plugins: 'p', host: '0.0.0.0', stdio: true }, dir);
    expect(quiet.listen).toBeUndefined();
    await expect(resolveServeSettings({ plugins: 'p', port: '70000' }, dir)).rejects.toThrow(
      /--port must be a whole number from 0 to 65535/,
    );
  });

  it('reads --inspect as Node reads its own flag, loopback unless --allow-remote', async () => {
    const dir = await tempDir();
    const inspect = async (flags: object) =>
      (await resolveServeSettings({ plugins: 'p', ...flags }, dir)).inspect;
    expect(await inspect({})).toBeUndefined();
    expect(await inspect({ inspect: true })).toEqual({ host: '127.0.0.1', port: 9229 });
    expect(await inspect({ inspect: '9230' })).toEqual({ host: '127.0.0.1', port: 9230 });
    expect(await inspect({ inspect: 'localhost:0' })).toEqual({ host: 'localhost', port: 0 });
    expect(await inspect({ inspect: '0.0.0.0:9229', allowRemote: true })).toEqual({
      host: '0.0.0.0',
      port: 9229,
    });
    await expect(inspect({ inspect: '0.0.0.0:9229' })).rejects.toThrow(
      /--inspect 0\.0\.0\.0 is not a loopback address.*--allow-remote/,
    );
    await expect(inspect({ inspect: '127.0.0.1:port' })).rejects.toThrow(
      /--inspect takes \[HOST:\]PORT/,
    );
    await expect(inspect({ inspectBrkOnError: true })).rejects.toThrow(/needs --inspect/);
    expect(
      (await resolveServeSettings({ plugins: 'p', inspect: true, inspectBrkOnError: true }, dir))
        .breakOnError,
    ).toBe(true);
  });

  it('type-checks unless --no-typecheck or the file\'s "typecheck": false says not to', async () => {
    const dir = await tempDir();
    await editFile(
      path.join(dir, 'reloadd.json'),
      JSON.stringify({ plugins: 'p', typecheck: false }),
    );
    const fromFile = await resolveServeSources({}, dir);
    expect(fromFile.settings.typecheck).toBe(false);
    expect(fromFile.sources.typecheck).toEqual([
      { from: 'file', file: 'reloadd.json', line: 1, key: 'typecheck' },
    ]);
    const other = await tempDir();
    const flagged = await resolveServeSources({ plugins: 'p', typecheck: false }, other);
    expect(flagged.settings.typecheck).toBe(false);
    expect(flagged.sources.typecheck).toEqual([{ from: 'flag', flag: '--no-typecheck' }]);
    // commander's true is the flag's absence: the default.
    const unsaid = await resolveServeSources({ plugins: 'p', typecheck: true }, other);
    expect(unsaid.settings.typecheck).toBe(true);
    expect(unsaid.sources.typecheck).toEqual([{ from: 'default' }]);
  });

  it('explains what is wrong with a setting', async () => {
    const dir = await tempDir();
    await editFile(path.join(dir, 'bad.json'), JSON.stringify({ plugins: 'p', debounce: 5 }));
    await expect(resolveServeSettings({}, dir)).rejects.toThrow(
      new UsageError(
        'no plugins folder: pass --plugins DIR, or set "plugins" in reloadd.json, reloadd.toml or the [dev] section of config.toml in the workspace (or in --config FILE)',
      ),
    );
    await expect(resolveServeSettings({ config: 'bad.json' }, dir)).rejects.toThrow(
      new UsageError('bad.json:1: unknown key "debounce" (did you mean "debounceMs"?)'),
    );
    await expect(resolveServeSettings({ plugins: 'p', debounce: 'soon' }, dir)).rejects.toThrow(
      /--debounce must be a whole number/,
    );
  });
});

describe('firstSight', () => {
  const plugin = { kind: 'plugin', descriptor: descriptorOf('late') } as const;
  const notYet = {
    kind: 'invalid',
    invalid: { id: 'late', root: '/p/late', code: 'RELOADD_MANIFEST_INVALID', message: 'no main' },
  } as const;
  it('adds a plugin at once, and one that does not read as a plugin only once it has been quiet', () => {
    expect(firstSight(plugin, 'writing')).toBe('add');
    expect(firstSight(plugin, 'settled')).toBe('add');
    expect(firstSight(notYet, 'writing')).toBe('wait');
    expect(firstSight(notYet, 'settled')).toBe('add');
  });
});
