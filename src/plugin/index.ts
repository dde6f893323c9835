/**
 * `reloadd/plugin`: what a plugin author types against. `import type { PluginContext } from
 * 'reloadd/plugin'` gives completion and type errors in any editor; `definePlugin` checks a whole
 * module at once and returns it unchanged (a plugin may `export default definePlugin({ … })`).
 * The context's own declaration is the one the plugin host implements (src/daemon/worker).
 */
import type { PluginContext as BaseContext } from '../daemon/worker/PluginContext.js';
import type { RedApi } from '../protocol/redApi.js';

export type { Disposable } from '../daemon/worker/ResourceTracker.js';

type Fn = (...args: unknown[]) => unknown;

type RedMemberOf<N> = Extract<(typeof RedApi)[number], { name: N }>;
type RedName = (typeof RedApi)[number]['name'];
/** What a member declared in protocol/redApi.ts looks like, by how it runs. */
type RedFunction<N> = RedMemberOf<N>['kind'] extends 'call'
  ? (...args: unknown[]) => Promise<unknown>
  : RedMemberOf<N>['kind'] extends 'send'
    ? (...args: unknown[]) => void
    : RedMemberOf<N>['kind'] extends 'listen'
      ? (id: string, fn: (event: unknown) => unknown) => void
      : (...args: unknown[]) => unknown;
type RedGroup = RedName extends `${infer G}.${string}` ? G : never;
type RedMembers = { [N in Exclude<RedName, `${string}.${string}`>]: RedFunction<N> } & {
  [G in RedGroup]: {
    [N in RedName as N extends `${G}.${infer M}` ? M : never]: RedFunction<N>;
  };
};

/**
 * The Red editor's API on the same context, so that its plugins run unchanged: every member its
 * red.d.ts declares (protocol/redApi.ts), with its commands, events, logs and timers typed here.
 */
export type RedEditorApi = Omit<RedMembers, keyof RedHostMembers> & RedHostMembers;

type RedHostMembers = {
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
  setTimeout(fn: () => unknown, ms?: number): Promise<string>;
  setInterval(fn: () => unknown, ms?: number): Promise<string>;
  clearTimeout(id: string): Promise<void>;
  clearInterval(id: string): Promise<void>;
  storage: {
    get(key: string): Promise<unknown>;
    set(key: string, value: unknown): Promise<void>;
    delete(key: string): Promise<void>;
  };
};

/** What `activate(ctx)` receives: reloadd's context, with the Red editor's names on it. */
export type PluginContext = BaseContext & RedEditorApi;

type MaybePromise<T> = T | Promise<T>;

/** What a plugin offers the plugins that depend on it: methods, called with plain data. */
export type PluginApi = Record<string, (...args: never[]) => unknown>;

/**
 * A plugin module's exports. Only `activate` is required. State goes out through `saveState`
 * and comes back through `restoreState` (after a reload, a restart, or enable); a manifest's
 * `stateVersion` that changed is bridged by `migrateState`.
 */
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
