import type { PluginIsolation } from '../../protocol/status.js';

/**
 * Everything the daemon knows about a plugin before it builds it, as read from its folder and
 * manifest. It crosses to the plugin host with each generation it loads there.
 */
export interface PluginDescriptor {
  id: string;
  name: string;
  version: string;
  /** The plugin's folder, or its file for a single-file plugin. */
  root: string;
  /** Absolute path of the module esbuild starts from. */
  entry: string;
  manifestPath?: string;
  supportsHotReload: boolean;
  supportsDisable: boolean;
  /** "dedicated": the plugin gets a host (worker thread) of its own. */
  isolation: PluginIsolation;
  /** The manifest chose `isolation` (or `permissions`): a daemon-wide `--isolation` does not apply. */
  isolationDeclared?: boolean;
  /** Plugin id → semver range ("*" for any). */
  dependencies: Record<string, string>;
  stateVersion?: number;
  /** The manifest's `watch`: globs, relative to `root`, of files read at run time. */
  watch?: string[];
  /**
   * The manifest's `permissions`, paths made absolute: the plugin then runs in a process host
   * under Node's permission model, with these grants only.
   */
  permissions?: {
    fsRead: string[];
    fsWrite: string[];
    childProcess: boolean;
    worker: boolean;
    /** Sockets: without it, a network namespace of its own, empty. */
    net: boolean;
    /** The daemon's environment variables it may read; the rest are not set in its process. */
    env: string[];
    /** Commands of plugins outside its `dependencies` that `ctx.commands.execute` may run. */
    commands: string[];
    /** Editor calls (`ctx.editor.call` methods) it may make: the editor acts with the user's rights. */
    editor: string[];
  };
  /** The manifest's `verify` section: what `reloadd verify` runs between reloads. */
  verify?: {
    commands: { command: string; args: unknown[] }[];
    events: { event: string; data?: unknown }[];
  };
}
