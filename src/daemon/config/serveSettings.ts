import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { PluginIsolation } from '../../protocol/index.js';
import type { LogLevel } from '../logs/logger.js';
import { isLoopback } from '../network/accessPolicy.js';
import {
  DEFAULT_LARGE_STATE_BYTES,
  DEFAULT_LARGE_STATE_INTERVAL_MS,
  DEFAULT_MAX_SNAPSHOT_BYTES,
  DEFAULT_SNAPSHOT_HISTORY,
} from '../state/SnapshotStore.js';
import { checkStateFolder } from '../state/stateFolder.js';
import { type ConfigFile, findConfigFile } from './configFile.js';
import type { ConfigKey, ConfigSettings } from './configSchema.js';
import {
  inspectFlags,
  isolationFlag,
  logLevelFlag,
  type NumberKey,
  portFlag,
  type ServeFlags,
  wholeNumberFlag,
} from './serveFlags.js';
import { UsageError } from './usageError.js';

export interface ServeSettings {
  pluginsDir: string;
  stateDir?: string;
  /** `--editor FILE`: what answers plugins' editor calls until an editor connects. */
  editorStandIn?: string;
  debounceMs: number;
  /** Poll the files every this many ms instead of inotify (containers, WSL, network drives). */
  pollMs?: number;
  hotReload: boolean;
  /** Whether LSP clients are shown a failed reload (window/showMessage). */
  notifications: boolean;
  /** Whether a successful reload also gets a window/showMessage of type Info. */
  notifySuccess: boolean;
  /** Whether LSP clients get the daemon's log, from info up, as window/logMessage. */
  logMessages: boolean;
  /** Whether clients that declare window.showMessage get failures with buttons (showMessageRequest). */
  messageActions: boolean;
  /** Whether TypeScript plugins are type-checked in the background after each reload. */
  typecheck: boolean;
  logLevel: LogLevel;
  stdio: boolean;
  lifecycleTimeoutMs: number;
  commandTimeoutMs: number;
  hostMemoryMb: number;
  editorCallTimeoutMs: number;
  /** Where to listen for WebSocket clients; absent: not at all. */
  listen?: { host: string; port: number };
  /** Folder whose `.reloadd/daemon.json` says where this daemon listens. */
  workspace: string;
  maxPayloadBytes: number;
  clientBacklogBytes: number;
  logBufferSize: number;
  /** A state over this many bytes is written at most every `largeStateIntervalMs`, not before each answer. */
  largeStateBytes?: number;
  largeStateIntervalMs?: number;
  snapshotHistory?: number;
  maxSnapshotBytes?: number;
  /** `--isolation`: for plugins whose manifest does not choose. */
  isolation?: PluginIsolation;
  requirePermissions: boolean;
  /** Globs of files plugins read at run time (relative to each plugin's folder). */
  watch: string[];
  /** Globs never watched (relative to the plugins folder). */
  ignore: string[];
  /** `--inspect`: where the Node inspector listens for a debugger. */
  inspect?: { host: string; port: number };
  /** `--inspect-brk-on-error`: plugin code pauses where it throws. */
  breakOnError: boolean;
}

/** The plugins folder `serve` and `verify` are given: a usage error unless it is a folder. */
export async function requirePluginsFolder(dir: string): Promise<void> {
  const isDir = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) throw new UsageError(`plugins folder ${dir} does not exist`);
}

/**
 * The state folder `serve` is given: a usage error unless it is a folder of the user's own,
 * closed to others and writable (made, 0700, when it does not exist).
 */
export async function requireStateFolder(dir: string): Promise<void> {
  const problem = await checkStateFolder(dir);
  if (problem) throw new UsageError(problem);
}

export const DEFAULT_DEBOUNCE_MS = 20;
/** chokidar's own default interval: each watched file is stat'ed this often. */
export const DEFAULT_POLL_MS = 100;
/** activate, deactivate, saveState, restoreState, listeners and timers. */
export const DEFAULT_LIFECYCLE_TIMEOUT_MS = 2_000;
export const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;
export const DEFAULT_HOST_MEMORY_MB = 512;
/** As long as a command may run: a command that asks the editor is bounded by that anyway. */
export const DEFAULT_EDITOR_CALL_TIMEOUT_MS = 10_000;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;
/** What a client may fall behind before it is disconnected (a few thousand notifications). */
export const DEFAULT_CLIENT_BACKLOG_BYTES = 8 * 1024 * 1024;
export const DEFAULT_LOG_BUFFER_SIZE = 1000;

/** Where a setting's value came from: `reloadd config` says it of each one. */
export type SettingSource =
  | { from: 'default' }
  | { from: 'flag'; flag: string }
  | { from: 'file'; file: string; line: number | undefined; key: string; section?: string }
  /** The Red editor's watch list, which comes with its `[dev]` section when that names none. */
  | { from: '[dev] default'; file: string; section?: string };

/** The settings `serve` runs with, where each came from, and the config file read, if any. */
export interface ServeResolution {
  settings: ServeSettings;
  /** Every key of ServeSettings, even one left out for want of a value; more than one source for a value put together (`watch`: the file's and the flags'). */
  sources: Record<keyof ServeSettings, SettingSource[]>;
  file: ConfigFile | null;
}

interface Picked<T> {
  value: T;
  sources: SettingSource[];
}

/** Flags win over the config file; the config file wins over defaults. */
export async function resolveServeSettings(
  flags: ServeFlags,
  cwd = process.cwd(),
): Promise<ServeSettings> {
  return (await resolveServeSources(flags, cwd)).settings;
}

/**
 * resolveServeSettings, and where each setting came from: one resolution, so what `reloadd
 * config` says is what `serve` does.
 */
export async function resolveServeSources(
  flags: ServeFlags,
  cwd = process.cwd(),
): Promise<ServeResolution> {
  const workspace = flags.workspace ? path.resolve(cwd, flags.workspace) : cwd;
  const file = await findConfigFile(flags.config, cwd, workspace);
  const inFile = <K extends ConfigKey>(
    key: K,
  ): Picked<NonNullable<ConfigSettings[K]>> | undefined => {
    const value = file?.settings[key];
    if (!file || value === undefined || value === null) return undefined;
    const origin = file.origins[key];
    const section = file.section ? { section: file.section } : {};
    return {
      value,
      sources: [
        origin
          ? { from: 'file', file: file.shown, line: origin.line, key: origin.key, ...section }
          : { from: '[dev] default', file: file.shown, ...section },
      ],
    };
  };
  const sources = {} as Record<keyof ServeSettings, SettingSource[]>;
  /** The flag if given, else the file's value if any, else the default; noted where from. */
  const pick = <T>(
    key: keyof ServeSettings,
    flag: string | undefined,
    fromFlag: T | undefined,
    fromFile: Picked<T> | undefined,
    fallback: T,
  ): T => {
    const picked: Picked<T> =
      flag !== undefined && fromFlag !== undefined
        ? { value: fromFlag, sources: [{ from: 'flag', flag }] }
        : (fromFile ?? { value: fallback, sources: [{ from: 'default' }] });
    sources[key] = picked.sources;
    return picked.value;
  };
  const given = <T>(text: string | undefined, parse: (text: string) => T) =>
    text === undefined ? undefined : parse(text);

  /** A folder: a flag's is relative to the current folder (the file's, to the file's). */
  const folder = (
    key: 'pluginsDir' | 'stateDir',
    flag: string,
    text: string | undefined,
    fileKey: 'plugins' | 'stateDir',
  ) => pick(key, flag, text ? path.resolve(cwd, text) : undefined, inFile(fileKey), undefined);

  const pluginsDir = folder('pluginsDir', '--plugins', flags.plugins, 'plugins');
  if (!pluginsDir)
    throw new UsageError(
      'no plugins folder: pass --plugins DIR, or set "plugins" in reloadd.json, reloadd.toml or the [dev] section of config.toml in the workspace (or in --config FILE)',
    );
  const stateDir = folder('stateDir', '--state-dir', flags.stateDir, 'stateDir');
  const editorStandIn = pick(
    'editorStandIn',
    '--editor',
    flags.editor ? path.resolve(cwd, flags.editor) : undefined,
    inFile('editorStandIn'),
    undefined,
  );
  pick('workspace', '--workspace', flags.workspace ? workspace : undefined, undefined, workspace);
  const stdio = pick('stdio', '--stdio', flags.stdio === true ? true : undefined, undefined, false);

  // Standalone, the port is how anyone reaches the daemon; under an editor it is opt-in.
  const port = pick(
    'listen',
    '--port',
    given(flags.port, portFlag),
    inFile('port'),
    stdio ? undefined : 0,
  );
  const portSources = sources.listen;
  const host = pick('listen', '--host', flags.host, inFile('host'), DEFAULT_HOST);
  sources.listen = port === undefined ? portSources : distinct([...portSources, ...sources.listen]);
  if (port !== undefined && !isLoopback(host) && flags.allowRemote !== true)
    throw new UsageError(
      `--host ${host} is not a loopback address: anyone who can reach it could drive your plugins. Pass --allow-remote to listen there anyway`,
    );

  /** A whole number: the flag's text, read in the range the file's key has. */
  const counted = (
    key: NumberKey,
    flag: string,
    text: string | undefined,
    unit: string,
    fallback: number,
  ) =>
    pick(
      key,
      flag,
      given(text, (t) => wholeNumberFlag(flag, t, key, unit)),
      inFile(key),
      fallback,
    );
  /**
   * A flag that can say one thing only, named after its key: `--no-hot-reload` turns off what is
   * on by default, `--notify-success` turns on what is off (commander's true is its absence).
   */
  const switched = (
    key:
      | 'hotReload'
      | 'notifications'
      | 'notifySuccess'
      | 'logMessages'
      | 'messageActions'
      | 'typecheck'
      | 'requirePermissions',
    said: boolean | undefined,
    fallback: boolean,
  ) => {
    const flag = `--${fallback ? 'no-' : ''}${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    return pick(key, flag, said === !fallback ? !fallback : undefined, inFile(key), fallback);
  };

  const debounceMs = counted(
    'debounceMs',
    '--debounce',
    flags.debounce,
    'milliseconds',
    DEFAULT_DEBOUNCE_MS,
  );
  const pollMs = pick(
    'pollMs',
    '--poll',
    flags.poll === true
      ? DEFAULT_POLL_MS
      : given(flags.poll || undefined, (t) =>
          wholeNumberFlag('--poll', t, 'pollMs', 'milliseconds'),
        ),
    inFile('pollMs'),
    undefined,
  );
  const hotReload = switched('hotReload', flags.hotReload, true);
  const notifications = switched('notifications', flags.notifications, true);
  const notifySuccess = switched('notifySuccess', flags.notifySuccess, false);
  const logMessages = switched('logMessages', flags.logMessages, true);
  const messageActions = switched('messageActions', flags.messageActions, false);
  const typecheck = switched('typecheck', flags.typecheck, true);
  const watch = addedUp('watch', '--watch', inFile('watch'), flags.watch);
  const ignore = addedUp('ignore', '--ignore', inFile('ignore'), flags.ignore);
  const logLevel: LogLevel = pick(
    'logLevel',
    '--log-level',
    given(flags.logLevel, logLevelFlag),
    inFile('logLevel'),
    // Under an editor, stderr is read as errors (Neovim files every line of it as one): it
    // carries problems only, and the rest reaches the editor as window/logMessage.
    stdio ? 'warn' : 'info',
  );
  const lifecycleTimeoutMs = counted(
    'lifecycleTimeoutMs',
    '--lifecycle-timeout',
    flags.lifecycleTimeout,
    'milliseconds',
    DEFAULT_LIFECYCLE_TIMEOUT_MS,
  );
  const commandTimeoutMs = counted(
    'commandTimeoutMs',
    '--command-timeout',
    flags.commandTimeout,
    'milliseconds',
    DEFAULT_COMMAND_TIMEOUT_MS,
  );
  const editorCallTimeoutMs = counted(
    'editorCallTimeoutMs',
    '--editor-timeout',
    flags.editorTimeout,
    'milliseconds',
    DEFAULT_EDITOR_CALL_TIMEOUT_MS,
  );
  const hostMemoryMb = counted(
    'hostMemoryMb',
    '--host-memory',
    flags.hostMemory,
    'MB',
    DEFAULT_HOST_MEMORY_MB,
  );
  const isolation = pick(
    'isolation',
    '--isolation',
    given(flags.isolation, isolationFlag),
    inFile('isolation'),
    undefined,
  );
  const requirePermissions = switched('requirePermissions', flags.requirePermissions, false);
  const maxPayloadBytes = counted(
    'maxPayloadBytes',
    '--max-payload',
    flags.maxPayload,
    'bytes',
    DEFAULT_MAX_PAYLOAD_BYTES,
  );
  // Settings of the file alone: no flag names them.
  const onlyInFile = <K extends ConfigKey>(
    key: K & keyof ServeSettings,
    fallback: NonNullable<ConfigSettings[K]>,
  ) => pick(key, undefined, undefined, inFile(key), fallback);
  const clientBacklogBytes = onlyInFile('clientBacklogBytes', DEFAULT_CLIENT_BACKLOG_BYTES);
  const logBufferSize = onlyInFile('logBufferSize', DEFAULT_LOG_BUFFER_SIZE);
  const largeStateBytes = onlyInFile('largeStateBytes', DEFAULT_LARGE_STATE_BYTES);
  const largeStateIntervalMs = onlyInFile('largeStateIntervalMs', DEFAULT_LARGE_STATE_INTERVAL_MS);
  const snapshotHistory = onlyInFile('snapshotHistory', DEFAULT_SNAPSHOT_HISTORY);
  const maxSnapshotBytes = onlyInFile('maxSnapshotBytes', DEFAULT_MAX_SNAPSHOT_BYTES);
  const { inspect, breakOnError } = inspectFlags(flags);
  sources.inspect = [inspect ? { from: 'flag', flag: '--inspect' } : { from: 'default' }];
  sources.breakOnError = [
    breakOnError ? { from: 'flag', flag: '--inspect-brk-on-error' } : { from: 'default' },
  ];

  /** A list of globs: the file's (or the Red editor's default), then the flags'. */
  function addedUp(
    key: 'watch' | 'ignore',
    flag: string,
    fromFile: Picked<string[]> | undefined,
    fromFlags: string[] | undefined,
  ): string[] {
    const flagged: Picked<string[]> | undefined = fromFlags?.length
      ? { value: fromFlags, sources: [{ from: 'flag', flag }] }
      : undefined;
    sources[key] = [...(fromFile?.sources ?? []), ...(flagged?.sources ?? [])];
    if (sources[key].length === 0) sources[key] = [{ from: 'default' }];
    return [...(fromFile?.value ?? []), ...(flagged?.value ?? [])];
  }

  const settings: ServeSettings = {
    pluginsDir,
    ...(stateDir ? { stateDir } : {}),
    ...(editorStandIn ? { editorStandIn } : {}),
    debounceMs,
    ...(pollMs !== undefined ? { pollMs } : {}),
    hotReload,
    notifications,
    notifySuccess,
    logMessages,
    messageActions,
    typecheck,
    logLevel,
    stdio,
    lifecycleTimeoutMs,
    commandTimeoutMs,
    hostMemoryMb,
    editorCallTimeoutMs,
    ...(port !== undefined ? { listen: { host, port } } : {}),
    workspace,
    maxPayloadBytes,
    clientBacklogBytes,
    logBufferSize,
    largeStateBytes,
    largeStateIntervalMs,
    snapshotHistory,
    maxSnapshotBytes,
    ...(isolation ? { isolation } : {}),
    requirePermissions,
    watch,
    ignore,
    ...(inspect ? { inspect } : {}),
    breakOnError,
  };
  return { settings, sources, file };
}

/** The same source twice (both defaults) is said once. */
function distinct(sources: SettingSource[]): SettingSource[] {
  const seen = new Set<string>();
  return sources.filter((source) => {
    const key = JSON.stringify(source);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
