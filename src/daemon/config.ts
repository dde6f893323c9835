import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { LogLevel } from './logger.js';
import { describeZodError } from './manifest.js';

const LogLevelSchema = z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

/** `--config FILE`: the same settings as `reloadd serve`'s flags; paths are relative to the file. */
export const ConfigSchema = z
  .object({
    plugins: z.string().min(1).optional(),
    stateDir: z.string().min(1).optional(),
    debounceMs: z.number().int().min(0).max(60_000).optional(),
    hotReload: z.boolean().optional(),
    logLevel: LogLevelSchema.optional(),
  })
  .strict();
export type Config = z.infer<typeof ConfigSchema>;

export interface ServeSettings {
  pluginsDir: string;
  stateDir?: string;
  debounceMs: number;
  hotReload: boolean;
  logLevel: LogLevel;
  stdio: boolean;
}

export interface ServeFlags {
  plugins?: string;
  stateDir?: string;
  debounce?: string;
  config?: string;
  hotReload?: boolean;
  logLevel?: string;
  stdio?: boolean;
}

/** A setting someone got wrong: the CLI prints it and exits with 2. */
export class UsageError extends Error {}

export const DEFAULT_DEBOUNCE_MS = 20;

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

  let debounceMs = config.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  if (flags.debounce !== undefined) {
    const parsed = z.coerce.number().int().min(0).max(60_000).safeParse(flags.debounce);
    if (!parsed.success)
      throw new UsageError(
        `--debounce must be a whole number of milliseconds from 0 to 60000, not "${flags.debounce}"`,
      );
    debounceMs = parsed.data;
  }
  let logLevel: LogLevel = config.logLevel ?? 'info';
  if (flags.logLevel !== undefined) {
    const parsed = LogLevelSchema.safeParse(flags.logLevel);
    if (!parsed.success)
      throw new UsageError(`--log-level must be one of ${LogLevelSchema.options.join(', ')}`);
    logLevel = parsed.data;
  }
  return {
    pluginsDir: plugins,
    ...(stateDir ? { stateDir } : {}),
    debounceMs,
    hotReload: flags.hotReload === false ? false : (config.hotReload ?? true),
    logLevel,
    stdio: flags.stdio === true,
  };
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
