import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import {
  type ConfigText,
  keyLine,
  problemAt,
  schemaProblems,
  sectionPrefix,
  syntaxProblem,
} from './configProblems.js';
import {
  type ConfigKey,
  ConfigSchema,
  type ConfigSettings,
  RED_DEV_DEFAULT_WATCH,
  RED_DEV_KEYS,
  type RedDevKey,
} from './configSchema.js';
import { UsageError } from './usageError.js';

/**
 * Finding and reading the config file: `--config FILE`, or the first of these in the workspace.
 * `config.toml` is the Red editor's own file: only its `[dev]` section is reloadd's, and one
 * without that section is the editor's alone, passed over without a word.
 */
const FOUND_CONFIG_FILES = ['reloadd.json', 'reloadd.toml', 'config.toml'] as const;

/** The section of the Red editor's config.toml that holds its hot-reload settings. */
const EDITOR_SECTION = 'dev';

/** Where a setting is written in its file: the key as written there, and its line. */
export interface KeyOrigin {
  key: string;
  line: number | undefined;
}

export interface ConfigFile {
  /** Absolute. */
  path: string;
  /** The file as messages name it: relative to the current folder when inside it. */
  shown: string;
  /** `dev` when the settings are the `[dev]` section of the Red editor's config.toml. */
  section?: string;
  /** Under reloadd's own names, with `plugins` and `stateDir` resolved from the file's folder. */
  settings: ConfigSettings;
  /** Where each setting of `settings` is written; none for `watch` when the Red editor's default. */
  origins: Partial<Record<ConfigKey, KeyOrigin>>;
}

/** `--config FILE` if given, else the first config file of the workspace; null: none there. */
export async function findConfigFile(
  explicit: string | undefined,
  cwd: string,
  workspace: string,
): Promise<ConfigFile | null> {
  if (explicit !== undefined) return readConfigFile(path.resolve(cwd, explicit), cwd, false);
  for (const name of FOUND_CONFIG_FILES) {
    const found = await readConfigFile(path.join(workspace, name), cwd, true);
    if (found) return found;
  }
  return null;
}

/** The file's settings; null when a file looked for is not there, or is not reloadd's. */
async function readConfigFile(
  file: string,
  cwd: string,
  lookedFor: boolean,
): Promise<ConfigFile | null> {
  const shown = shownPath(file, cwd);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (lookedFor && (error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UsageError(`cannot read config file ${shown}: ${(error as Error).message}`);
  }
  const source: ConfigText = {
    shown,
    text,
    format: path.extname(file).toLowerCase() === '.toml' ? 'toml' : 'json',
  };
  const table = settingsTable(source, path.basename(file), lookedFor);
  if (table === null) return null;
  for (const [editorKey, own] of Object.entries(RED_DEV_KEYS))
    if (editorKey in table && own in table)
      throw new UsageError(
        problemAt(
          source,
          keyLine(source, editorKey),
          `${sectionPrefix(source)}${editorKey} and ${own} are the same setting: keep one of them`,
        ),
      );
  const parsed = ConfigSchema.safeParse(table);
  if (!parsed.success) throw schemaProblems(source, table, parsed.error);

  const settings: Record<string, unknown> = {};
  const origins: Partial<Record<ConfigKey, KeyOrigin>> = {};
  for (const [key, value] of Object.entries(parsed.data)) {
    if (key === '$schema' || value === undefined) continue;
    const name: ConfigKey = RED_DEV_KEYS[key as RedDevKey] ?? (key as ConfigKey);
    settings[name] = value;
    origins[name] = { key, line: keyLine(source, key) };
  }
  const own = settings as ConfigSettings;
  // Paths in a file are the file's: relative to its folder, wherever the daemon starts.
  const dir = path.dirname(file);
  if (own.plugins !== undefined) own.plugins = path.resolve(dir, own.plugins);
  if (own.stateDir !== undefined) own.stateDir = path.resolve(dir, own.stateDir);
  if (own.editorStandIn !== undefined) own.editorStandIn = path.resolve(dir, own.editorStandIn);
  // The Red editor's `[dev]` comes with its watch list: its config, honoured as it describes itself.
  if (source.section === EDITOR_SECTION && own.watch === undefined)
    own.watch = [...RED_DEV_DEFAULT_WATCH];
  return {
    path: file,
    shown,
    ...(source.section ? { section: source.section } : {}),
    settings: own,
    origins,
  };
}

/**
 * The table of the file that holds reloadd's settings: all of a JSON file or `reloadd.toml`;
 * the `[dev]` section of any other TOML file that has one (the editor's config.toml), where the
 * keys outside it are the editor's. Sets `source.section` to say which. Null: not reloadd's.
 */
function settingsTable(
  source: ConfigText,
  name: string,
  lookedFor: boolean,
): Record<string, unknown> | null {
  let document: unknown;
  try {
    document = source.format === 'toml' ? parseToml(source.text) : JSON.parse(source.text);
  } catch (error) {
    // A config.toml that does not read might be the editor's alone: ours only if it has [dev].
    if (
      lookedFor &&
      name === 'config.toml' &&
      !/^\s*(\[\s*dev\s*[\].]|dev\s*[.=])/m.test(source.text)
    )
      return null;
    throw syntaxProblem(source, error as Error);
  }
  if (!isTable(document)) throw new UsageError(`${source.shown}: must hold an object of settings`);
  if (source.format === 'json' || name === 'reloadd.toml') return document;
  const section = document[EDITOR_SECTION];
  if (isTable(section)) {
    source.section = EDITOR_SECTION;
    return section;
  }
  return lookedFor ? null : document;
}

function isTable(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
  );
}

/** A path as messages name it: relative to `cwd` when inside it, else absolute. */
export function shownPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}
