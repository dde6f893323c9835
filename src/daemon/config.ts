import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { LogLevels, type PluginIsolation, PluginIsolationSchema } from '../protocol/index.js';
import { describeZodError } from '../protocol/validation.js';
import type { LogLevel } from './logs/logger.js';
import { isLoopback } from './network/accessPolicy.js';

/** The protocol's log levels, and `silent` for the console. */
const LogLevelSchema = z.enum([...LogLevels, 'silent']);

/** `--config FILE`: the same settings as `reloadd serve`'s flags; paths are relative to the file. */
export const ConfigSchema = z
  .object({
    /** Where an editor finds this file's JSON Schema (dist/schemas/config.schema.json); ignored. */
    $schema: z.string().optional(),
    plugins: z.string().min(1).optional(),
    stateDir: z.string().min(1).optional(),
    debounceMs: z.number().int().min(0).max(60_000).optional(),
    pollMs: z.number().int().min(10).max(60_000).optional(),
    hotReload: z.boolean().optional(),
    logLevel: LogLevelSchema.optional(),
    lifecycleTimeoutMs: z.number().int().min(10).max(600_000).optional(),
    commandTimeoutMs: z.number().int().min(10).max(3_600_000).optional(),
    hostMemoryMb: z.number().int().min(16).max(65_536).optional(),
    editorCallTimeoutMs: z.number().int().min(10).max(3_600_000).optional(),
    port: z.number().int().min(0).max(65_535).optional(),
    host: z.string().min(1).optional(),
    maxPayloadBytes: z.number().int().min(1024).max(1_073_741_824).optional(),
    clientBacklogBytes: z.number().int().min(1024).max(1_073_741_824).optional(),
    logBufferSize: z.number().int().min(1).max(1_000_000).optional(),
    largeStateBytes: z.number().int().min(1024).max(1_073_741_824).optional(),
    largeStateIntervalMs: z.number().int().min(10).max(600_000).optional(),
    /** Snapshots kept per plugin for plugin/getState's history (default 20). */
    snapshotHistory: z.number().int().min(1).max(1000).optional(),
    /** A larger snapshot is refused, with a diagnostic (default 16 MiB). */
    maxSnapshotBytes: z.number().int().min(1024).max(4_294_967_296).optional(),
    /** Where plugins run whose manifest does not say (default "shared"). */
    isolation: PluginIsolationSchema.optional(),
    /** Run only plugins whose manifest declares `permissions`. */
    requirePermissions: z.boolean().optional(),
    /** Globs, relative to each plugin's folder, of files read at run time: a change reloads it. */
    watch: z.array(z.string().min(1)).optional(),
    /** Globs, relative to the plugins folder, never watched (generated files, say). */
    ignore: z.array(z.string().min(1)).optional(),
  })
  .strict();
export type Config = z.infer<typeof ConfigSchema>;

export interface ServeSettings {
  pluginsDir: string;
  stateDir?: string;
  debounceMs: number;
  /** Poll the files every this many ms instead of inotify (containers, WSL, network drives). */
  pollMs?: number;
  hotReload: boolean;
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

export interface ServeFlags {
  plugins?: string;
  stateDir?: string;
  debounce?: string;
  /** `--poll` alone is true; `--poll MS` gives the interval. */
  poll?: string | boolean;
  config?: string;
  hotReload?: boolean;
  logLevel?: string;
  stdio?: boolean;
  lifecycleTimeout?: string;
  commandTimeout?: string;
  hostMemory?: string;
  isolation?: string;
  requirePermissions?: boolean;
  editorTimeout?: string;
  port?: string;
  host?: string;
  allowRemote?: boolean;
  workspace?: string;
  maxPayload?: string;
  /** `--watch GLOB…` and `--ignore GLOB…`: added to the config file's. */
  watch?: string[];
  ignore?: string[];
  /** `--inspect` alone is true; `--inspect=[HOST:]PORT` gives the address. */
  inspect?: string | boolean;
  inspectBrkOnError?: boolean;
}

/** A setting someone got wrong: the CLI prints it and exits with 2. */
export class UsageError extends Error {}

/** The plugins folder `serve` and `verify` are given: a usage error unless it is a folder. */
export async function requirePluginsFolder(dir: string): Promise<void> {
  const isDir = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) throw new UsageError(`plugins folder ${dir} does not exist`);
}

export const DEFAULT_DEBOUNCE_MS = 20;
/** chokidar's own default interval: each watched file is stat'ed this often. */
export const DEFAULT_POLL_MS = 100;
/** activate, deactivate, saveState, restoreState, listeners and timers (issue: 2 s). */
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

function wholeNumber(flag: string, value: string, min: number, max: number, unit: string): number {
  const parsed = z.coerce.number().int().min(min).max(max).safeParse(value);
  if (!parsed.success)
    throw new UsageError(
      `${flag} must be a whole number of ${unit} from ${min} to ${max}, not "${value}"`,
    );
  return parsed.data;
}

/** Flags win over the config file; the config file wins over defaults. */
export async function resolveServeSettings(
  flags: ServeFlags,
  cwd = process.cwd(),
): Promise<ServeSettings> {
  const config = flags.config ? await readConfig(path.resolve(cwd, flags.config)) : {};
  const configDir = flags.config ? path.dirname(path.resolve(cwd, flags.config)) : cwd;

  const plugins = flags.plugins
    ? path.resolve(cwd, flags.plugins)
    : config.plugins
      ? path.resolve(configDir, config.plugins)
      : undefined;
  if (!plugins)
    throw new UsageError('no plugins folder: pass --plugins DIR (or "plugins" in --config FILE)');
  const stateDir = flags.stateDir
    ? path.resolve(cwd, flags.stateDir)
    : config.stateDir
      ? path.resolve(configDir, config.stateDir)
      : undefined;

  const debounceMs =
    flags.debounce !== undefined
      ? wholeNumber('--debounce', flags.debounce, 0, 60_000, 'milliseconds')
      : (config.debounceMs ?? DEFAULT_DEBOUNCE_MS);
  const pollMs =
    flags.poll === true
      ? DEFAULT_POLL_MS
      : typeof flags.poll === 'string'
        ? wholeNumber('--poll', flags.poll, 10, 60_000, 'milliseconds')
        : config.pollMs;
  let logLevel: LogLevel = config.logLevel ?? 'info';
  if (flags.logLevel !== undefined) {
    const parsed = LogLevelSchema.safeParse(flags.logLevel);
    if (!parsed.success)
      throw new UsageError(`--log-level must be one of ${LogLevelSchema.options.join(', ')}`);
    logLevel = parsed.data;
  }
  const lifecycleTimeoutMs =
    flags.lifecycleTimeout !== undefined
      ? wholeNumber('--lifecycle-timeout', flags.lifecycleTimeout, 10, 600_000, 'milliseconds')
      : (config.lifecycleTimeoutMs ?? DEFAULT_LIFECYCLE_TIMEOUT_MS);
  const commandTimeoutMs =
    flags.commandTimeout !== undefined
      ? wholeNumber('--command-timeout', flags.commandTimeout, 10, 3_600_000, 'milliseconds')
      : (config.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS);
  const hostMemoryMb =
    flags.hostMemory !== undefined
      ? wholeNumber('--host-memory', flags.hostMemory, 16, 65_536, 'MB')
      : (config.hostMemoryMb ?? DEFAULT_HOST_MEMORY_MB);
  const host = flags.host ?? config.host ?? DEFAULT_HOST;
  const portText = flags.port ?? (config.port !== undefined ? String(config.port) : undefined);
  const port =
    portText !== undefined
      ? portNumber(portText)
      : // Standalone, the port is how anyone reaches the daemon; under an editor it is opt-in.
        flags.stdio === true
        ? undefined
        : 0;
  if (port !== undefined && !isLoopback(host) && flags.allowRemote !== true)
    throw new UsageError(
      `--host ${host} is not a loopback address: anyone who can reach it could drive your plugins. Pass --allow-remote to listen there anyway`,
    );
  const maxPayloadBytes =
    flags.maxPayload !== undefined
      ? wholeNumber('--max-payload', flags.maxPayload, 1024, 1_073_741_824, 'bytes')
      : (config.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES);
  return {
    pluginsDir: plugins,
    ...(stateDir ? { stateDir } : {}),
    debounceMs,
    ...(pollMs !== undefined ? { pollMs } : {}),
    hotReload: flags.hotReload === false ? false : (config.hotReload ?? true),
    logLevel,
    stdio: flags.stdio === true,
    lifecycleTimeoutMs,
    commandTimeoutMs,
    hostMemoryMb,
    editorCallTimeoutMs:
      flags.editorTimeout !== undefined
        ? wholeNumber('--editor-timeout', flags.editorTimeout, 10, 3_600_000, 'milliseconds')
        : (config.editorCallTimeoutMs ?? DEFAULT_EDITOR_CALL_TIMEOUT_MS),
    ...(port !== undefined ? { listen: { host, port } } : {}),
    workspace: flags.workspace ? path.resolve(cwd, flags.workspace) : cwd,
    maxPayloadBytes,
    clientBacklogBytes: config.clientBacklogBytes ?? DEFAULT_CLIENT_BACKLOG_BYTES,
    logBufferSize: config.logBufferSize ?? DEFAULT_LOG_BUFFER_SIZE,
    largeStateBytes: config.largeStateBytes,
    largeStateIntervalMs: config.largeStateIntervalMs,
    snapshotHistory: config.snapshotHistory,
    maxSnapshotBytes: config.maxSnapshotBytes,
    ...isolationOf(flags.isolation ?? config.isolation),
    requirePermissions: flags.requirePermissions ?? config.requirePermissions ?? false,
    watch: [...(config.watch ?? []), ...(flags.watch ?? [])],
    ignore: [...(config.ignore ?? []), ...(flags.ignore ?? [])],
    ...inspectOf(flags),
  };
}

/** Node's own default, so that "Attach to Node" in VS Code and chrome://inspect find it. */
const DEFAULT_INSPECT = { host: '127.0.0.1', port: 9229 };

/** `--inspect`, `--inspect=PORT`, `--inspect=HOST:PORT`, as Node reads its own flag. */
function inspectOf(flags: ServeFlags): Pick<ServeSettings, 'inspect' | 'breakOnError'> {
  const breakOnError = flags.inspectBrkOnError === true;
  if (flags.inspect === undefined || flags.inspect === false) {
    if (breakOnError)
      throw new UsageError('--inspect-brk-on-error needs --inspect: a debugger has to attach');
    return { breakOnError };
  }
  if (flags.inspect === true) return { inspect: DEFAULT_INSPECT, breakOnError };
  const text = flags.inspect;
  const colon = text.lastIndexOf(':');
  const host = colon >= 0 ? text.slice(0, colon) : /^\d+$/.test(text) ? DEFAULT_INSPECT.host : text;
  const portText = colon >= 0 ? text.slice(colon + 1) : /^\d+$/.test(text) ? text : '9229';
  const port = z.coerce.number().int().min(0).max(65_535).safeParse(portText);
  if (!host || !port.success)
    throw new UsageError(
      `--inspect takes [HOST:]PORT (PORT from 0 to 65535, 0: any free port), not "${text}"`,
    );
  if (!isLoopback(host) && flags.allowRemote !== true)
    throw new UsageError(
      `--inspect ${host} is not a loopback address: anyone who reaches it can run any code in the daemon. Pass --allow-remote to listen there anyway`,
    );
  return { inspect: { host, port: port.data }, breakOnError };
}

function isolationOf(value: string | undefined): { isolation?: PluginIsolation } {
  if (value === undefined) return {};
  const parsed = PluginIsolationSchema.safeParse(value);
  if (parsed.success) return { isolation: parsed.data };
  throw new UsageError(
    `--isolation must be ${PluginIsolationSchema.options.join(', ')}, not "${value}"`,
  );
}

function portNumber(value: string): number {
  const parsed = z.coerce.number().int().min(0).max(65_535).safeParse(value);
  if (!parsed.success)
    throw new UsageError(
      `--port must be a whole number from 0 to 65535 (0: any free port), not "${value}"`,
    );
  return parsed.data;
}

async function readConfig(file: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read config file ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`config file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = ConfigSchema.safeParse(json);
  if (!parsed.success)
    throw new UsageError(`config file ${file}: ${describeZodError(parsed.error)}`);
  return parsed.data;
}
