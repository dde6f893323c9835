import { rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  resolveServeSettings,
  resolveServeSources,
} from '../../../src/daemon/config/serveSettings.js';
import { UsageError } from '../../../src/daemon/config/usageError.js';
import { editFile, tempDir } from '../../helpers/files.js';

/** The Red editor's `[dev]` section as it stands in the Red editor's config.toml, with the editor's own keys around it. */
const SEED_CONFIG_TOML = `theme = "monokai"
tab_width = 4

[dev]
# Enable hot reload in development
hot_reload = true

# Delay before reloading after file change (milliseconds)
hot_reload_delay = 100

# File patterns to watch (glob patterns)
hot_reload_watch = ["*.js", "*.ts", "package.json", "templates/*.html"]

# Show reload notifications
hot_reload_notifications = false
plugins = "plugins"

[keys]
save = "ctrl-s"
`;

/** Writes `name` into `dir` with `text`, and gives the message of the usage error that follows. */
async function errorWith(dir: string, name: string, text: string): Promise<string> {
  await editFile(path.join(dir, name), text);
  const error = await resolveServeSettings({}, dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageError);
  return (error as UsageError).message;
}

describe('the config file found by itself', () => {
  it("reads the Red editor's [dev] section of the workspace's config.toml without --config", async () => {
    const dir = await tempDir();
    await editFile(path.join(dir, 'config.toml'), SEED_CONFIG_TOML);
    const { settings, sources, file } = await resolveServeSources({}, dir);
    expect(file).toMatchObject({ path: path.join(dir, 'config.toml'), section: 'dev' });
    expect(settings).toMatchObject({
      pluginsDir: path.join(dir, 'plugins'),
      hotReload: true,
      debounceMs: 100,
      watch: ['*.js', '*.ts', 'package.json', 'templates/*.html'],
      notifications: false,
      notifySuccess: false,
    });
    expect(sources.debounceMs).toEqual([
      { from: 'file', file: 'config.toml', line: 9, key: 'hot_reload_delay', section: 'dev' },
    ]);
    expect(sources.notifications).toEqual([
      {
        from: 'file',
        file: 'config.toml',
        line: 15,
        key: 'hot_reload_notifications',
        section: 'dev',
      },
    ]);
    expect(sources.notifySuccess).toEqual([{ from: 'default' }]);
    // --workspace says where to look; the paths stay the file's.
    const elsewhere = await tempDir();
    const fromAfar = await resolveServeSettings({ workspace: dir }, elsewhere);
    expect(fromAfar).toMatchObject({ pluginsDir: path.join(dir, 'plugins'), debounceMs: 100 });
  });

  it("gives the Red editor's watch list when its [dev] section names none", async () => {
    const dir = await tempDir();
    await editFile(path.join(dir, 'config.toml'), '[dev]\nhot_reload_delay = 50\nplugins = "p"\n');
    const { settings, sources } = await resolveServeSources({ watch: ['*.css'] }, dir);
    expect(settings.watch).toEqual(['*.js', '*.ts', 'package.json', '*.css']);
    expect(sources.watch).toEqual([
      { from: '[dev] default', file: 'config.toml', section: 'dev' },
      { from: 'flag', flag: '--watch' },
    ]);
    // The Red editor's list comes with its section only: reloadd's own files have none.
    await editFile(path.join(dir, 'reloadd.toml'), 'plugins = "p"\nhot_reload_delay = 50\n');
    expect((await resolveServeSettings({}, dir)).watch).toEqual([]);
  });

  it('prefers reloadd.json to reloadd.toml to config.toml, and passes over a config.toml without [dev]', async () => {
    const dir = await tempDir();
    await editFile(path.join(dir, 'config.toml'), 'theme = "x"\n[editor]\nfont = "mono"\n');
    const none = await resolveServeSources({ plugins: 'p' }, dir);
    expect(none.file).toBeNull();
    expect(none.settings.debounceMs).toBe(20);
    // Even one that does not read is the editor's business, unless it has a [dev] section.
    await editFile(path.join(dir, 'config.toml'), 'theme = = "x"\n');
    expect((await resolveServeSources({ plugins: 'p' }, dir)).file).toBeNull();

    await editFile(path.join(dir, 'config.toml'), '[dev]\nhot_reload_delay = 30\nplugins = "p"\n');
    await editFile(path.join(dir, 'reloadd.toml'), 'debounceMs = 40\nplugins = "p"\n');
    await editFile(path.join(dir, 'reloadd.json'), '{ "debounceMs": 50, "plugins": "p" }');
    const debounce = async () => {
      const { settings, file } = await resolveServeSources({}, dir);
      return [path.basename(file?.path ?? ''), settings.debounceMs];
    };
    expect(await debounce()).toEqual(['reloadd.json', 50]);
    await rm(path.join(dir, 'reloadd.json'));
    expect(await debounce()).toEqual(['reloadd.toml', 40]);
    await rm(path.join(dir, 'reloadd.toml'));
    expect(await debounce()).toEqual(['config.toml', 30]);
    // --config names one, whatever the workspace holds.
    await editFile(path.join(dir, 'conf', 'mine.toml'), 'debounceMs = 60\nplugins = "p"\n');
    const named = await resolveServeSources({ config: 'conf/mine.toml' }, dir);
    expect(named.settings).toMatchObject({
      debounceMs: 60,
      pluginsDir: path.join(dir, 'conf', 'p'),
    });
    expect(named.sources.debounceMs).toEqual([
      { from: 'file', file: path.join('conf', 'mine.toml'), line: 1, key: 'debounceMs' },
    ]);
  });

  it('lets a flag override the file, and the file override the defaults', async () => {
    const dir = await tempDir();
    await editFile(path.join(dir, 'config.toml'), SEED_CONFIG_TOML);
    const { settings, sources } = await resolveServeSources(
      { debounce: '5', plugins: 'mine', notifySuccess: true, hotReload: false },
      dir,
    );
    expect(settings).toMatchObject({
      debounceMs: 5,
      pluginsDir: path.join(dir, 'mine'),
      notifySuccess: true,
      hotReload: false,
      notifications: false,
    });
    expect(sources.debounceMs).toEqual([{ from: 'flag', flag: '--debounce' }]);
    expect(sources.hotReload).toEqual([{ from: 'flag', flag: '--no-hot-reload' }]);
    expect(sources.logLevel).toEqual([{ from: 'default' }]);
    // commander gives `notifications: true` when --no-notifications is not given: the file stands.
    const unsaid = await resolveServeSettings({ notifications: true, hotReload: true }, dir);
    expect(unsaid).toMatchObject({ notifications: false, hotReload: true });
    await editFile(path.join(dir, 'reloadd.toml'), 'plugins = "p"\nnotifications = true\n');
    expect((await resolveServeSettings({ notifications: false }, dir)).notifications).toBe(false);
  });

  it('names the file, the line and the key of a wrong key or a wrong value', async () => {
    const dir = await tempDir();
    const editorConfig = 'theme = "x"\n\n[dev]\nhot_reload_delay = "fast"\nplugins = "p"\n';
    expect(await errorWith(dir, 'config.toml', editorConfig)).toBe(
      'config.toml:4: [dev] hot_reload_delay must be a whole number from 0 to 60000, not "fast"',
    );
    expect(await errorWith(dir, 'config.toml', '[dev]\nplugins = "p"\n\nhot_relaod = true\n')).toBe(
      'config.toml:4: unknown key "hot_relaod" in [dev] (did you mean "hot_reload"?)',
    );
    // A typo of a longer name is nearer than the shorter name it starts with.
    expect(
      await errorWith(dir, 'config.toml', '[dev]\nplugins = "p"\nhot_reload_wach = []\n'),
    ).toBe(
      'config.toml:3: unknown key "hot_reload_wach" in [dev] (did you mean "hot_reload_watch"?)',
    );
    const json = '{\n  "plugins": "p",\n  "debounce": 5,\n  "isolation": "sandbox"\n}\n';
    expect(await errorWith(dir, 'reloadd.json', json)).toBe(
      [
        'reloadd.json:3: unknown key "debounce" (did you mean "debounceMs"?)',
        'reloadd.json:4: isolation must be one of "shared", "dedicated", "process", not "sandbox"',
      ].join('\n'),
    );
    const trailingComma = '{\n  "plugins": "p",\n  "debounceMs": 5,\n}\n';
    expect(await errorWith(dir, 'reloadd.json', trailingComma)).toMatch(
      /^reloadd\.json:4:1: not valid JSON: /,
    );
    await rm(path.join(dir, 'reloadd.json'));
    const toml = 'plugins = "p"\nwatch = ["a", 3]\nport = = 1\n';
    expect(await errorWith(dir, 'reloadd.toml', toml)).toBe(
      'reloadd.toml:3:8: not valid TOML: invalid value',
    );
    expect(await errorWith(dir, 'reloadd.toml', 'plugins = "p"\n\nwatch = ["a", 3]\n')).toBe(
      'reloadd.toml:3: watch[1] must be a non-empty string, not 3',
    );
  });

  it('refuses a seed name beside its camelCase twin, naming both', async () => {
    const twins = 'plugins = "p"\ndebounceMs = 10\nhot_reload_delay = 100\n';
    expect(await errorWith(await tempDir(), 'reloadd.toml', twins)).toBe(
      'reloadd.toml:3: hot_reload_delay and debounceMs are the same setting: keep one of them',
    );
  });
});
