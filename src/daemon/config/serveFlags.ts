import { z } from 'zod';
import { type PluginIsolation, PluginIsolationSchema } from '../../protocol/index.js';
import type { LogLevel } from '../logs/logger.js';
import { isLoopback } from '../network/accessPolicy.js';
import { ConfigSchema, LogLevelSchema } from './configSchema.js';
import { UsageError } from './usageError.js';

/** What `reloadd serve` (and `reloadd config`) are given on the command line, as commander reads it. */
export interface ServeFlags {
  plugins?: string;
  stateDir?: string;
  debounce?: string;
  /** `--poll` alone is true; `--poll MS` gives the interval. */
  poll?: string | boolean;
  config?: string;
  /** `--no-hot-reload` is false; commander makes it true when not given. */
  hotReload?: boolean;
  /** `--no-notifications` is false; commander makes it true when not given. */
  notifications?: boolean;
  notifySuccess?: boolean;
  /** `--no-log-messages` is false; commander makes it true when not given. */
  logMessages?: boolean;
  messageActions?: boolean;
  /** `--no-typecheck` is false; commander makes it true when not given. */
  typecheck?: boolean;
  logLevel?: string;
  stdio?: boolean;
  lifecycleTimeout?: string;
  commandTimeout?: string;
  hostMemory?: string;
  isolation?: string;
  requirePermissions?: boolean;
  editorTimeout?: string;
  editor?: string;
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

/** The settings a flag of whole numbers sets: the flag takes the range the config file does. */
export type NumberKey =
  | 'debounceMs'
  | 'pollMs'
  | 'lifecycleTimeoutMs'
  | 'commandTimeoutMs'
  | 'editorCallTimeoutMs'
  | 'hostMemoryMb'
  | 'maxPayloadBytes';

/** A flag's whole number, in the range of the config file's `key` (one range, in the schema). */
export function wholeNumberFlag(flag: string, text: string, key: NumberKey, unit: string): number {
  const schema = ConfigSchema.shape[key].unwrap();
  const parsed = z.coerce.number().pipe(schema).safeParse(text);
  if (!parsed.success)
    throw new UsageError(
      `${flag} must be a whole number of ${unit} from ${schema.minValue} to ${schema.maxValue}, not "${text}"`,
    );
  return parsed.data;
}

export function portFlag(text: string): number {
  const parsed = z.coerce.number().int().min(0).max(65_535).safeParse(text);
  if (!parsed.success)
    throw new UsageError(
      `--port must be a whole number from 0 to 65535 (0: any free port), not "${text}"`,
    );
  return parsed.data;
}

export function logLevelFlag(value: string): LogLevel {
  const parsed = LogLevelSchema.safeParse(value);
  if (!parsed.success)
    throw new UsageError(`--log-level must be one of ${LogLevelSchema.options.join(', ')}`);
  return parsed.data;
}

/** Node's own default, so that "Attach to Node" in VS Code and chrome://inspect find it. */
const DEFAULT_INSPECT = { host: '127.0.0.1', port: 9229 };

/** `--inspect`, `--inspect=PORT`, `--inspect=HOST:PORT`, as Node reads its own flag. */
export function inspectFlags(flags: ServeFlags): {
  inspect?: { host: string; port: number };
  breakOnError: boolean;
} {
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

export function isolationFlag(value: string): PluginIsolation {
  const parsed = PluginIsolationSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new UsageError(
    `--isolation must be ${PluginIsolationSchema.options.join(', ')}, not "${value}"`,
  );
}
