import type { Command } from 'commander';
import type { ServeFlags } from './serveFlags.js';
import { addServeOptions } from './serveOptions.js';
import {
  resolveServeSources,
  type ServeResolution,
  type ServeSettings,
  type SettingSource,
} from './serveSettings.js';

/**
 * `reloadd config [serve's flags]`: the settings `reloadd serve` would run with, and where each
 * came from (a flag, a line of the config file, a default), without starting anything.
 */
export function addConfigCommand(program: Command): void {
  addServeOptions(
    program
      .command('config')
      .description(
        'Print the settings `reloadd serve` would run with (given the same flags), and where each came from.',
      ),
  )
    .option('--json', 'print { file, settings: { KEY: { value, source } } } as JSON')
    .addHelpText(
      'after',
      `
Examples:
  reloadd config                        what reloadd serve would run with here, and why
  reloadd config --stdio --debounce 50  the same for an editor's daemon with that flag
  reloadd config --json                 { "file": …, "settings": { "debounceMs": { "value", "source" } … } }`,
    )
    .action(async (flags: ServeFlags & { json?: boolean }) => {
      const resolution = await resolveServeSources(flags);
      process.stdout.write(
        flags.json
          ? `${JSON.stringify(configAsJson(resolution), null, 2)}\n`
          : formatConfig(resolution),
      );
    });
}

export interface ConfigJson {
  /** The config file read (absolute), or null: none given or found. */
  file: string | null;
  settings: Record<string, { value: unknown; source: string }>;
}

export function configAsJson({ settings, sources, file }: ServeResolution): ConfigJson {
  return {
    file: file?.path ?? null,
    settings: Object.fromEntries(
      settingKeys(sources).map((key) => [
        key,
        { value: settings[key] ?? null, source: describeSources(key, sources[key]) },
      ]),
    ),
  };
}

/** One line per setting, in columns: its name, its value, its source. */
export function formatConfig({ settings, sources, file }: ServeResolution): string {
  const header = file
    ? `config file: ${file.path}${file.section ? ` (its [${file.section}] section)` : ''}`
    : `config file: none (no reloadd.json, reloadd.toml or config.toml with [dev] in ${settings.workspace})`;
  const rows = settingKeys(sources).map((key) => [
    key,
    shownValue(settings[key]),
    describeSources(key, sources[key]),
  ]);
  const width = (column: number) => Math.max(...rows.map((row) => row[column]?.length ?? 0));
  const [keyWidth, valueWidth] = [width(0), width(1)];
  const lines = rows.map(([key = '', value = '', source = '']) =>
    `${key.padEnd(keyWidth)}  ${value.padEnd(valueWidth)}  ${source}`.trimEnd(),
  );
  return `${header}\n${lines.join('\n')}\n`;
}

/** `default`, `flag --debounce`, `reloadd.toml:3`, `config.toml:5 ([dev] hot_reload_delay)`. */
export function describeSource(setting: string, source: SettingSource): string {
  switch (source.from) {
    case 'default':
      return 'default';
    case 'flag':
      return `flag ${source.flag}`;
    case '[dev] default':
      return `the Red editor's default (${source.file} [${source.section ?? 'dev'}] names no hot_reload_watch)`;
    case 'file': {
      const where = `${source.file}${source.line !== undefined ? `:${source.line}` : ''}`;
      // The key as written, where it is not the setting's own name.
      const written = `${source.section ? `[${source.section}] ` : ''}${source.key}`;
      return written === setting ? where : `${where} (${written})`;
    }
  }
}

function describeSources(setting: string, sources: SettingSource[]): string {
  return sources.map((source) => describeSource(setting, source)).join(' + ');
}

function settingKeys(sources: ServeResolution['sources']): (keyof ServeSettings)[] {
  return Object.keys(sources) as (keyof ServeSettings)[];
}

function shownValue(value: unknown): string {
  if (value === undefined) return 'none';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
