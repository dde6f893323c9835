import { PluginLifecycleEvents } from '../../protocol/redApi.js';
import type { StorageCall } from '../crossing/hostMessages.js';
import { ResourceKind } from '../crossing/leftovers.js';
import type { PluginCommands } from './CommandRegistry.js';
import type { PluginEvents } from './EventBus.js';
import { type GuardedInvoke, logWriter, type PluginLogger } from './RealmGlobals.js';
import { type RealmTimers, redEditorApi } from './RedEditorApi.js';
import type { Disposable, ResourceTracker } from './ResourceTracker.js';

/** The plugin's own state slot, as the snapshot store keeps it (values of the plugin's realm). */
export interface OwnStateAccess {
  read(): unknown;
  write(state: unknown): void;
}

type LogFn = ((...args: unknown[]) => void) & {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
};

/** What `activate(ctx)` receives. Documented in docs/writing-plugins.md ("What `ctx` gives"). */
export interface PluginContext {
  readonly id: string;
  readonly generation: number;
  /** The plugin's folder, or its file for a single-file plugin. */
  readonly path: string;
  /** Disposables pushed here are disposed when this generation is unloaded. */
  readonly subscriptions: Disposable[];
  readonly commands: {
    register(name: string, handler: (...args: unknown[]) => unknown): Disposable;
    execute(name: string, ...args: unknown[]): Promise<unknown>;
    list(): string[];
  };
  readonly events: {
    on(event: string, listener: (data: unknown) => unknown): Disposable;
    emit(event: string, data?: unknown): void;
  };
  readonly log: LogFn;
  /** The editor bridge: `editor/call` to the editor the user is in (see protocol.md). */
  readonly editor: { call(method: string, ...args: unknown[]): Promise<unknown> };
  /** The plugins this one declares in `dependencies`, and their APIs. */
  readonly plugins: {
    /**
     * The API of a dependency (what its `activate` returned, or its `api` export): each method
     * runs in the dependency's own realm, under its time limits, on the generation running at
     * the time of the call; arguments and results are copied as plain data, and every call
     * returns a promise. Throws for a plugin this one does not depend on.
     */
    get(id: string): Record<string, (...args: unknown[]) => Promise<unknown>>;
    /** Runs `listener` each time a generation of plugin `id` is unloaded (drop what you cached of it). */
    onDidUnload(
      id: string,
      listener: (info: { id: string; generation: number }) => unknown,
    ): Disposable;
  };
  /**
   * The plugin's own storage (the Red editor's `red.storage`): keys to JSON values that stay
   * across reloads and, with `--state-dir`, across daemon restarts. `get` gives null for a key
   * never set; `set` and `delete` resolve once the value is on disk (with `--state-dir`), and
   * reject with `code` RELOADD_STATE_NOT_WRITTEN when it could not be written. No reload hands
   * it over and no snapshot restores it: it is what the plugin keeps for itself.
   */
  readonly storage: {
    get(key: string): Promise<unknown>;
    set(key: string, value: unknown): Promise<void>;
    delete(key: string): Promise<void>;
  };
  /** The Red editor's names: the plugin's own saved state (only its own id is accepted). */
  getPluginState(name: string): unknown;
  savePluginState(name: string, state: unknown): void;
}

export function createPluginContext(options: {
  id: string;
  generation: number;
  path: string;
  tracker: ResourceTracker;
  commands: PluginCommands;
  events: PluginEvents;
  logger: PluginLogger;
  state: OwnStateAccess;
  invoke: GuardedInvoke;
  /** Converts data from the daemon's realm into the plugin's (event payloads). */
  toRealm(value: unknown): unknown;
  /** `editor/call`; the answer comes back as plain data of the daemon's realm. */
  callEditor(method: string, args: unknown[]): Promise<unknown>;
  /** What the editor last pushed for `name` (`editor/state`), as plain data; undefined if nothing. */
  editorState(name: string): unknown;
  /** An id for a Red API handle, unique in this plugin host. */
  nextHandleId(): number;
  /** A method of a dependency's API, through the daemon. */
  callApi(target: string, method: string, args: unknown[]): Promise<unknown>;
  /** The plugin's own storage, kept by the daemon; values come back as plain data of the daemon's realm. */
  callStorage(call: StorageCall): Promise<unknown>;
  /** The manifest's `dependencies`: the only plugins whose API `ctx.plugins.get` gives. */
  dependencies: readonly string[];
  timers: RealmTimers;
}): PluginContext {
  const { id, tracker, commands, events, logger, invoke } = options;

  const ownStateOnly = (name: string) => {
    if (name !== id) {
      throw new Error(`plugin "${id}" may only use its own state slot, not "${name}"`);
    }
  };

  const logAt = (level: keyof PluginLogger) => logWriter(logger, level);
  const log = Object.assign(logAt('info'), {
    debug: logAt('debug'),
    info: logAt('info'),
    warn: logAt('warn'),
    error: logAt('error'),
  });

  const callEditor = async (method: string, args: unknown[]) => {
    // An unloaded generation resuming late must not reach the editor any more.
    tracker.assertOpen();
    return options.toRealm(await options.callEditor(method, args));
  };

  const callStorage = async (call: StorageCall) => {
    if (typeof call.key !== 'string')
      throw new TypeError(`storage.${call.action}: key must be a string`);
    // An unloaded generation resuming late must not write over its successor's values.
    tracker.assertOpen();
    return options.toRealm(await options.callStorage(call));
  };

  const context = {
    id,
    generation: options.generation,
    path: options.path,
    subscriptions: [],
    commands: {
      register(name, handler) {
        if (typeof name !== 'string' || name === '')
          throw new TypeError('command name must be a non-empty string');
        if (typeof handler !== 'function')
          throw new TypeError(`command "${name}": handler must be a function`);
        tracker.assertOpen();
        const remove = commands.register(id, name, handler);
        return tracker.track(ResourceKind.Command, name, remove);
      },
      async execute(name, ...args) {
        const entry = commands.get(name);
        if (!entry) throw new Error(`unknown command "${name}"`);
        return entry.handler(...args);
      },
      list: () => commands.names(),
    },
    events: {
      on(event, listener) {
        if (typeof listener !== 'function')
          throw new TypeError(`events.on("${event}"): listener must be a function`);
        tracker.assertOpen();
        const remove = events.on(event, (data) =>
          invoke(`"${event}" event listener`, listener, [options.toRealm(data)]),
        );
        return tracker.track(ResourceKind.EventListener, event, remove);
      },
      emit(event, data) {
        events.emit(event, data);
      },
    },
    log,
    plugins: {
      get(target) {
        if (!options.dependencies.includes(target))
          throw new Error(
            `plugin "${id}" does not depend on "${target}": add "${target}" to "dependencies" in its manifest to use its API`,
          );
        const call = async (method: string, args: unknown[]) => {
          tracker.assertOpen();
          return options.toRealm(await options.callApi(target, method, args));
        };
        // Any method name reaches the dependency, which says if it has none. Not `then`: the
        // API object itself must not look like a promise to `await`.
        return new Proxy(
          {},
          {
            get: (_, method) =>
              typeof method === 'string' && method !== 'then'
                ? (...args: unknown[]) => call(method, args)
                : undefined,
          },
        ) as Record<string, (...args: unknown[]) => Promise<unknown>>;
      },
      onDidUnload(target, listener): Disposable {
        if (typeof listener !== 'function')
          throw new TypeError(`plugins.onDidUnload("${target}"): listener must be a function`);
        tracker.assertOpen();
        const remove = events.on(PluginLifecycleEvents.Unloaded, (data) => {
          const info = data as { id: string; generation: number };
          if (info.id !== target) return undefined;
          return invoke(
            `plugins.onDidUnload("${target}") listener`,
            listener as (...args: unknown[]) => unknown,
            [options.toRealm(info)],
          );
        });
        return tracker.track(ResourceKind.EventListener, PluginLifecycleEvents.Unloaded, remove);
      },
    },
    storage: {
      get: (key) => callStorage({ action: 'get', key }),
      set: async (key, value) => {
        await callStorage({ action: 'set', key, value });
      },
      delete: async (key) => {
        await callStorage({ action: 'delete', key });
      },
    },
    getPluginState(name) {
      ownStateOnly(name);
      return options.state.read();
    },
    savePluginState(name: string, state: unknown) {
      ownStateOnly(name);
      options.state.write(state);
    },
    editor: {
      call: (method: string, ...args: unknown[]) => {
        if (typeof method !== 'string' || method === '')
          throw new TypeError('editor.call: method must be a non-empty string');
        return callEditor(method, args);
      },
    },
  } satisfies PluginContext;
  const editor = {
    call: callEditor,
    state: (name: string, fallback: unknown) =>
      options.toRealm(options.editorState(name) ?? fallback),
    nextId: options.nextHandleId,
  };
  return Object.assign(context, redEditorApi(context, editor, options.timers));
}
