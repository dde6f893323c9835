import { z } from 'zod';
import { LogLevels, PluginIsolationSchema } from '../../protocol/index.js';

/** The protocol's log levels, and `silent` for the console. */
export const LogLevelSchema = z.enum([...LogLevels, 'silent']);

// Each setting's schema once: its camelCase key and the Red editor's `[dev]` name
// for it (below) check the same.
const debounceMs = z.number().int().min(0).max(60_000);
const hotReload = z.boolean();
const notifications = z.boolean();
const globs = z.array(z.string().min(1));

/**
 * A config file's settings: the same as `reloadd serve`'s flags; paths are relative to the file.
 * The descriptions go into the shipped JSON Schema, where an editor shows them on hover.
 */
export const ConfigSchema = z
  .object({
    $schema: z
      .string()
      .optional()
      .describe('Where an editor finds this JSON Schema; the daemon ignores it.'),
    plugins: z.string().min(1).optional().describe('The plugins folder (--plugins).'),
    stateDir: z
      .string()
      .min(1)
      .optional()
      .describe('Keep state snapshots in this folder, so they survive a restart (--state-dir).'),
    editorStandIn: z
      .string()
      .min(1)
      .optional()
      .describe(
        "A file that answers plugins' editor calls while no editor is connected: JSON, or a JS module, of calls, state and events (--editor).",
      ),
    debounceMs: debounceMs
      .optional()
      .describe('Quiet time in ms that ends a burst of saves (--debounce; default 20).'),
    pollMs: z
      .number()
      .int()
      .min(10)
      .max(60_000)
      .optional()
      .describe('Poll files every this many ms instead of inotify (--poll; default: off).'),
    hotReload: hotReload
      .optional()
      .describe('Reload plugins when their files change (--no-hot-reload; default true).'),
    notifications: notifications
      .optional()
      .describe(
        'Show editors a failed reload as LSP window/showMessage (--no-notifications; default true).',
      ),
    notifySuccess: z
      .boolean()
      .optional()
      .describe(
        'Also tell editors of a successful reload with an Info window/showMessage (--notify-success; default false).',
      ),
    logMessages: z
      .boolean()
      .optional()
      .describe(
        "Send editors the daemon's log, from info up, as LSP window/logMessage (--no-log-messages; default true).",
      ),
    messageActions: z
      .boolean()
      .optional()
      .describe(
        'Show a failed reload with buttons (window/showMessageRequest) to editors that declare window.showMessage (--message-actions; default false).',
      ),
    typecheck: z
      .boolean()
      .optional()
      .describe(
        'Type-check TypeScript plugins in the background after each reload, their errors published as RELOADD_TYPE_ERROR warnings (--no-typecheck; default true).',
      ),
    logLevel: LogLevelSchema.optional().describe(
      'Console log level (--log-level; default info, warn with --stdio).',
    ),
    lifecycleTimeoutMs: z
      .number()
      .int()
      .min(10)
      .max(600_000)
      .optional()
      .describe('Longest activate, deactivate, save/restoreState, listener or timer call, in ms.'),
    commandTimeoutMs: z
      .number()
      .int()
      .min(10)
      .max(3_600_000)
      .optional()
      .describe('Longest plugin command, in ms.'),
    hostMemoryMb: z
      .number()
      .int()
      .min(16)
      .max(65_536)
      .optional()
      .describe('Memory cap of each plugin host, in MB.'),
    editorCallTimeoutMs: z
      .number()
      .int()
      .min(10)
      .max(3_600_000)
      .optional()
      .describe("Longest a plugin's editor call waits for an editor and its answer, in ms."),
    port: z
      .number()
      .int()
      .min(0)
      .max(65_535)
      .optional()
      .describe('Listen for WebSocket clients on this port (0: any free one).'),
    host: z.string().min(1).optional().describe('Address to listen on (default 127.0.0.1).'),
    maxPayloadBytes: z
      .number()
      .int()
      .min(1024)
      .max(1_073_741_824)
      .optional()
      .describe('Largest message a WebSocket client may send, in bytes.'),
    clientBacklogBytes: z
      .number()
      .int()
      .min(1024)
      .max(1_073_741_824)
      .optional()
      .describe('What a client may fall behind, in bytes, before it is disconnected.'),
    logBufferSize: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .optional()
      .describe('Log entries kept for log/subscribe.'),
    largeStateBytes: z
      .number()
      .int()
      .min(1024)
      .max(1_073_741_824)
      .optional()
      .describe('A state over this many bytes is written at most every largeStateIntervalMs.'),
    largeStateIntervalMs: z
      .number()
      .int()
      .min(10)
      .max(600_000)
      .optional()
      .describe('How often a large state is written at most, in ms.'),
    snapshotHistory: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe(
        "Reload, rollback, request and stop snapshots kept per plugin for plugin/getState's history (what a generation takes while it runs is kept apart: the newest of each of the last 5 generations).",
      ),
    maxSnapshotBytes: z
      .number()
      .int()
      .min(1024)
      .max(4_294_967_296)
      .optional()
      .describe('A larger snapshot is refused, with a diagnostic.'),
    isolation: PluginIsolationSchema.optional().describe(
      'Where plugins run whose manifest does not say (--isolation; default shared).',
    ),
    requirePermissions: z
      .boolean()
      .optional()
      .describe('Run only plugins whose manifest declares permissions (--require-permissions).'),
    watch: globs
      .optional()
      .describe(
        "Globs, relative to each plugin's folder, of files read at run time: a change reloads the plugin (--watch).",
      ),
    ignore: globs
      .optional()
      .describe('Globs, relative to the plugins folder, never watched (--ignore).'),
    hot_reload: hotReload.optional().describe("The Red editor's [dev] name for hotReload."),
    hot_reload_delay: debounceMs.optional().describe("The Red editor's [dev] name for debounceMs."),
    hot_reload_watch: globs.optional().describe("The Red editor's [dev] name for watch."),
    hot_reload_notifications: notifications
      .optional()
      .describe("The Red editor's [dev] name for notifications."),
  })
  .strict();
export type Config = z.infer<typeof ConfigSchema>;

/** The keys of the Red editor's `[dev]` section, and the settings they are. */
export const RED_DEV_KEYS = {
  hot_reload: 'hotReload',
  hot_reload_delay: 'debounceMs',
  hot_reload_watch: 'watch',
  hot_reload_notifications: 'notifications',
} as const;
export type RedDevKey = keyof typeof RED_DEV_KEYS;

/** A config file's settings under reloadd's own names, once the Red editor's are translated. */
export type ConfigSettings = Omit<Config, RedDevKey | '$schema'>;
export type ConfigKey = keyof ConfigSettings;

/** The Red editor's `hot_reload_watch`, which stands when its `[dev]` section names none. */
export const RED_DEV_DEFAULT_WATCH = ['*.js', '*.ts', 'package.json'];
