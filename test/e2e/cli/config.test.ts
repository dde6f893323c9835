import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnStdioDaemon } from '../../../src/clients/index.js';
import {
  DaemonStatus,
  DidReload,
  PluginList,
  ShowMessage,
  WorkDoneProgressCreate,
} from '../../../src/protocol/index.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { NotificationLog } from '../../helpers/NotificationLog.js';
import { runCli } from '../../helpers/network.js';
import { CLI_PATH } from '../../helpers/paths.js';
import { counterPlugin, manifest } from '../../helpers/pluginSource.js';

/** The Red editor's config.toml, with the Red editor's [dev] section among the editor's own keys. */
const EDITOR_CONFIG = `theme = "monokai"

[dev]
hot_reload = false
hot_reload_delay = 100
hot_reload_notifications = false
plugins = "plugins"

[keys]
save = "ctrl-s"
`;

const spawned: ChildProcess[] = [];
afterAll(() => {
  for (const child of spawned) child.kill('SIGKILL');
});

/** The row of `reloadd config`'s table for one setting: its value and its source. */
function row(stdout: string, key: string): string[] {
  const line = stdout.split('\n').find((l) => l.startsWith(`${key} `));
  return (line ?? '').split(/\s{2,}/).slice(1);
}

describe('reloadd config', () => {
  it("prints each setting's value and where it came from: a default, a flag, a line of the file", async () => {
    const dir = await tempDir();
    await editFile(
      path.join(dir, 'reloadd.toml'),
      '#:schema ./node_modules/reloadd/dist/schemas/config.schema.json\nplugins = "plugins"\ndebounceMs = 50\nwatch = ["*.html"]\n',
    );
    const run = await runCli(['config', '--log-level', 'warn', '--watch', '*.css'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe(`config file: ${path.join(dir, 'reloadd.toml')}`);
    expect(row(run.stdout, 'pluginsDir')).toEqual([
      path.join(dir, 'plugins'),
      'reloadd.toml:2 (plugins)',
    ]);
    expect(row(run.stdout, 'debounceMs')).toEqual(['50', 'reloadd.toml:3']);
    expect(row(run.stdout, 'logLevel')).toEqual(['warn', 'flag --log-level']);
    expect(row(run.stdout, 'hostMemoryMb')).toEqual(['512', 'default']);
    expect(row(run.stdout, 'notifications')).toEqual(['true', 'default']);
    expect(row(run.stdout, 'watch')).toEqual([
      '["*.html","*.css"]',
      'reloadd.toml:4 + flag --watch',
    ]);
  });

  it("says which key of config.toml's [dev] a setting came from, and prints JSON with --json", async () => {
    const dir = await tempDir();
    await editFile(path.join(dir, 'config.toml'), EDITOR_CONFIG);
    const text = await runCli(['config'], { cwd: dir });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.split('\n')[0]).toBe(
      `config file: ${path.join(dir, 'config.toml')} (its [dev] section)`,
    );
    expect(row(text.stdout, 'debounceMs')).toEqual([
      '100',
      'config.toml:5 ([dev] hot_reload_delay)',
    ]);
    expect(row(text.stdout, 'watch')).toEqual([
      '["*.js","*.ts","package.json"]',
      "the Red editor's default (config.toml [dev] names no hot_reload_watch)",
    ]);

    const json = await runCli(['config', '--json', '--debounce', '7', '--notify-success'], {
      cwd: dir,
    });
    expect(json.code, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout) as {
      file: string | null;
      settings: Record<string, { value: unknown; source: string }>;
    };
    expect(parsed.file).toBe(path.join(dir, 'config.toml'));
    expect(parsed.settings).toMatchObject({
      debounceMs: { value: 7, source: 'flag --debounce' },
      hotReload: { value: false, source: 'config.toml:4 ([dev] hot_reload)' },
      notifications: { value: false, source: 'config.toml:6 ([dev] hot_reload_notifications)' },
      notifySuccess: { value: true, source: 'flag --notify-success' },
      stateDir: { value: null, source: 'default' },
    });

    const none = await runCli(['config', '--json', '--plugins', 'p'], { cwd: await tempDir() });
    expect(JSON.parse(none.stdout)).toMatchObject({ file: null });
  });

  it('exits 2 on a wrong key, naming the file, the line and the key on stderr', async () => {
    const dir = await tempDir();
    await editFile(path.join(dir, 'reloadd.json'), '{\n  "plugins": "p",\n  "debounce": 5\n}\n');
    const run = await runCli(['config'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'reloadd: reloadd.json:3: unknown key "debounce" (did you mean "debounceMs"?)\n',
    );
    // serve reads it the same way, and fails the same way.
    const serve = await runCli(['serve'], { cwd: dir });
    expect(serve.code).toBe(2);
    expect(serve.stderr).toContain('reloadd.json:3: unknown key "debounce"');
  });
});

describe('serve and verify with a config file found by itself', () => {
  it("verifies the plugins folder that config.toml's [dev] section names", async () => {
    const dir = await tempDir();
    await editFile(path.join(dir, 'config.toml'), EDITOR_CONFIG);
    await editFile(path.join(dir, 'plugins', 'solo', 'plugin.json'), manifest('solo'));
    await editFile(path.join(dir, 'plugins', 'solo', 'index.js'), counterPlugin('solo', 'v1'));
    const run = await runCli(['verify', '--reloads', '1', '--json'], { cwd: dir });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { plugins: { id: string }[] };
    expect(report.plugins.map((p) => p.id)).toEqual(['solo']);
  });

  it("runs on the plugins folder, debounce and hot reload of config.toml's [dev] section", async () => {
    const dir = await tempDir();
    await editFile(path.join(dir, 'config.toml'), EDITOR_CONFIG);
    await editFile(path.join(dir, 'plugins', 'solo', 'plugin.json'), manifest('solo'));
    await editFile(path.join(dir, 'plugins', 'solo', 'index.js'), counterPlugin('solo', 'v1'));
    const { client, child } = spawnStdioDaemon(process.execPath, [CLI_PATH, 'serve', '--stdio'], {
      cwd: dir,
    });
    spawned.push(child);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const init = await client.initialize('config-test');
    expect(init.capabilities.hotReload).toBe(false);
    const status = await client.request(DaemonStatus, {});
    expect(status).toMatchObject({
      pluginsDir: path.join(dir, 'plugins'),
      debounceMs: 100,
      hotReload: false,
    });
    await client.shutdown();
    expect(await exited).toBe(0);
    client.dispose();
  });

  it("takes [dev]'s watch list and hot_reload_notifications = false: an editor is shown no message", async () => {
    const dir = await tempDir();
    await editFile(
      path.join(dir, 'config.toml'),
      `[dev]
hot_reload = true
hot_reload_delay = 100
hot_reload_watch = ["*.js", "templates/*.html"]
hot_reload_notifications = false
plugins = "plugins"
`,
    );
    const folder = path.join(dir, 'plugins', 'solo');
    await editFile(path.join(folder, 'plugin.json'), manifest('solo'));
    await editFile(path.join(folder, 'index.js'), counterPlugin('solo', 'v1'));
    await editFile(path.join(folder, 'templates', 'page.html'), '<p>one</p>');
    const { client, child } = spawnStdioDaemon(process.execPath, [CLI_PATH, 'serve', '--stdio'], {
      cwd: dir,
    });
    spawned.push(child);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const reloads = NotificationLog.of(client, DidReload);
    const shown = NotificationLog.of(client, ShowMessage);
    client.connection.onRequest(WorkDoneProgressCreate.method, () => null);
    await client.initialize('config-test', { window: { workDoneProgress: true } });
    await reloads.waitFor((r) => r.id === 'solo' && r.trigger === 'startup');
    // The watch list: a template of the plugin's folder reloads it.
    const template = path.join(folder, 'templates', 'page.html');
    await editFile(template, '<p>two</p>');
    const reload = await reloads.waitFor((r) => r.trigger === 'file');
    expect(reload.changedFiles).toEqual([template]);
    // A failed reload: no window/showMessage, as the editor's config says.
    await editFile(path.join(folder, 'index.js'), 'export function activate( {');
    await reloads.waitFor((r) => r.trigger === 'file' && !r.ok);
    await client.request(PluginList, {});
    expect(shown.all).toEqual([]);
    await client.shutdown();
    expect(await exited).toBe(0);
    client.dispose();
  });
});
