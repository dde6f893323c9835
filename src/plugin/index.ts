/**
 * `reloadd/plugin`: what a plugin author types against. `import type { PluginContext } from
 * 'reloadd/plugin'` gives completion and type errors in any editor; `definePlugin` checks a whole
 * module at once and returns it unchanged (a plugin may `export default definePlugin({ … })`).
 * The context's own declaration is the one the plugin host implements (src/daemon/worker).
 */
import type { PluginContext as BaseContext } from '../daemon/worker/PluginContext.js';
import type { EditorCallMethod } from '../protocol/editorCalls.js';

export type { Disposable } from '../daemon/worker/ResourceTracker.js';

type Fn = (...args: unknown[]) => unknown;

/**
 * The Red editor's names on the same context, so that its plugins run unchanged: its commands,
 * events, logs and timers, and each editor call (answered by the editor the user is in).
 */
export type RedEditorApi = {
  addCommand(name: string, fn: Fn): void;
  getCommands(): string[];
  getCommandList(): string[];
  on(event: string, fn: (data: unknown) => unknown): void;
  off(event: string, fn: (data: unknown) => unknown): void;
  once(event: string, fn: (data: unknown) => unknown): void;
  notify(event: string, data?: unknown): void;
  logDebug(...args: unknown[]): void;
  logInfo(...args: unknown[]): void;
  logWarn(...args: unknown[]): void;
  logError(...args: unknown[]): void;
  setTimeout(fn: () => unknown, ms?: number): Promise<number>;
  setInterval(fn: () => unknown, ms?: number): Promise<number>;
  clearTimeout(id: number): Promise<void>;
  clearInterval(id: number): Promise<void>;
} & { [M in EditorCallMethod]: (...args: unknown[]) => Promise<unknown> };

/** What `activate(ctx)` receives: reloadd's context, with the Red editor's names on it. */
export type PluginContext = BaseContext & RedEditorApi;

type MaybePromise<T> = T | Promise<T>;

/**
 * A plugin module's exports. Only `activate` is required. State goes out through `saveState`
 * and comes back through `restoreState` (after a reload, a restart, or enable); a manifest's
 * `stateVersion` that changed is bridged by `migrateState`.
 */
/** What a plugin offers the plugins that depend on it: methods, called with plain data. */
export type PluginApi = Record<string, (...args: never[]) => unknown>;

export interface PluginModule<State = unknown> {
  /**
   * May return a cleanup function (run at unload, after `deactivate`), or the plugin's API (an
   * object of methods: its dependents reach it with `ctx.plugins.get(id)`).
   */
  activate(ctx: PluginContext): MaybePromise<void | (() => MaybePromise<void>) | PluginApi>;
  /** The plugin's API, when `activate` does not return it. */
  api?: PluginApi;
  deactivate?(ctx: PluginContext): MaybePromise<void>;
  saveState?(): MaybePromise<State | undefined>;
  restoreState?(state: State): MaybePromise<void>;
  migrateState?(state: unknown, fromVersion: number | undefined): MaybePromise<State>;
  /** The Red editor's names for the same moments. */
  onBeforeReload?(ctx: PluginContext): MaybePromise<State | undefined>;
  onAfterReload?(ctx: PluginContext, previousState: State | undefined): MaybePromise<void>;
  /**
   * The Red editor's last word before a session ends (the editor exiting, the daemon stopping),
   * once per generation: `editorState` is the editor's state snapshot (its `buffers`, `cwd`…), or
   * null when no editor gave one. What it saves in `ctx.storage` reaches the next session.
   */
  beforeExit?(ctx: PluginContext, editorState: unknown): MaybePromise<void>;
}

/** Checks a plugin module against `PluginModule` and returns it as it is. */
export function definePlugin<State = unknown>(plugin: PluginModule<State>): PluginModule<State> {
  return plugin;
}
