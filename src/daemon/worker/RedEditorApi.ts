// Not the protocol's index: that would load zod into every plugin host.
import { type RedMember, RedMembers } from '../../protocol/redApi.js';
import type { Disposable } from './ResourceTracker.js';

type Fn = (...args: unknown[]) => unknown;
type Listener = (data: unknown) => unknown;

/** The realm's tracked timers (RealmGlobals): cleared at unload, and reported if left running. */
export interface RealmTimers {
  setTimeout(fn: unknown, ms?: unknown): unknown;
  setInterval(fn: unknown, ms?: unknown): unknown;
  clearTimeout(handle: unknown): void;
  clearInterval(handle: unknown): void;
}

/** The parts of reloadd's own context that the Red editor's plugin API is built on. */
interface Base {
  subscriptions: Disposable[];
  commands: { register(name: string, fn: Fn): Disposable; list(): string[] };
  events: {
    on(event: string, fn: Listener): Disposable;
    emit(event: string, data?: unknown): void;
  };
  log: Fn & { debug: Fn; info: Fn; warn: Fn; error: Fn };
  storage: {
    get(key: string): Promise<unknown>;
    set(key: string, value: unknown): Promise<void>;
    delete(key: string): Promise<void>;
  };
}

/** How the Red API reaches the editor the user is in. */
export interface EditorLink {
  /** `editor/call`; the answer in the plugin's realm. */
  call(method: string, args: unknown[]): Promise<unknown>;
  /**
   * What the editor last pushed for a `state` member (`editor/state`), or `fallback` (the
   * declared default) when it pushed none; in the plugin's realm.
   */
  state(name: string, fallback: unknown): unknown;
  /** An id for a handle (a picker, a process, a watch), unique in this plugin host. */
  nextId(): number;
}

/**
 * The Red editor's plugin API (the `red` that `activate(red)` receives there), built from its
 * declaration (protocol/redApi.ts), so that its plugins run here unchanged. What red.d.ts makes
 * synchronous stays synchronous: a handle is made here at once and its work is told to the editor;
 * a `state` member reads what the editor last pushed. Commands, listeners and handles belong to
 * the generation and go with it, as that editor's runtime promises; timers are the realm's
 * tracked ones, so one left running is cleared at unload and reported.
 */
export function redEditorApi(
  base: Base,
  editor: EditorLink,
  timers: RealmTimers,
): Record<string, unknown> {
  /** By event, by the function the plugin passed (for `once`, its own, not the wrapper). */
  const listeners = new Map<string, Map<Listener, Disposable[]>>();
  const listen = (event: string, key: Listener, fn: Listener) => {
    const disposable = base.events.on(event, fn);
    base.subscriptions.push(disposable);
    let byFn = listeners.get(event);
    if (!byFn) {
      byFn = new Map();
      listeners.set(event, byFn);
    }
    byFn.set(key, [...(byFn.get(key) ?? []), disposable]);
  };
  const off = (event: string, fn: Listener) => {
    for (const disposable of listeners.get(event)?.get(fn) ?? []) {
      disposable.dispose();
      // Gone from the generation's list too, or on/off in a loop would grow it without end.
      const at = base.subscriptions.indexOf(disposable);
      if (at >= 0) base.subscriptions.splice(at, 1);
    }
    listeners.get(event)?.delete(fn);
  };
  const on = (event: string, fn: Listener) => listen(event, fn, fn);

  /** A handle's events, `{id}` filled in: heard until `stop()` (its end, or the generation's). */
  const hear = (id: number | string, handlers: Record<string, Listener>) => {
    const heard = Object.entries(handlers).map(([name, fn]) => [`${name}:${id}`, fn] as const);
    for (const [event, fn] of heard) on(event, fn);
    return {
      stop: () => {
        for (const [event, fn] of heard) off(event, fn);
      },
    };
  };

  const failedSends = new Set<string>();
  /**
   * A call red.d.ts returns nothing from: its plugins never await it, so a failure is not their
   * unhandled rejection. It is told once per method in the plugin's log; the daemon has the
   * diagnostic (an editor that lacks the method).
   */
  const send = (method: string, args: unknown[]): void => {
    editor.call(method, args).catch((error: unknown) => {
      if (failedSends.has(method)) return;
      failedSends.add(method);
      base.log.warn(`red.${method}: ${error instanceof Error ? error.message : String(error)}`);
    });
  };

  // Taken now: `red.storage` replaces the context's own on the same object.
  const { storage } = base;
  const hostMembers: Record<string, Fn> = {
    'storage.get': (key) => storage.get(key as string),
    'storage.set': (key, value) => storage.set(key as string, value),
    'storage.delete': (key) => storage.delete(key as string),
    addCommand(name, fn) {
      base.subscriptions.push(base.commands.register(name as string, fn as Fn));
    },
    getCommands: () => base.commands.list(),
    getCommandList: () => base.commands.list(),
    on: (event, fn) => on(event as string, fn as Listener),
    off: (event, fn) => off(event as string, fn as Listener),
    once(event, fn) {
      // Filed under `fn`, so `off(event, fn)` removes it before it fires.
      listen(event as string, fn as Listener, (data) => {
        off(event as string, fn as Listener);
        return (fn as Listener)(data);
      });
    },
    /** To every plugin listening (red's `notify` runs the subscribers of an event). */
    notify: (event, data) => base.events.emit(event as string, data),
    log: base.log,
    logDebug: base.log.debug,
    logInfo: base.log.info,
    logWarn: base.log.warn,
    logError: base.log.error,
    // Async and resolving to a string id, as red.d.ts declares that editor's timers.
    setTimeout: async (fn, ms) => String(timers.setTimeout(fn, ms)),
    setInterval: async (fn, ms) => String(timers.setInterval(fn, ms)),
    clearTimeout: async (id) => timers.clearTimeout(Number(id)),
    clearInterval: async (id) => timers.clearInterval(Number(id)),
  };

  const handles: Record<string, Fn> = {
    pickLive: (title, values, options) => {
      const { onChange, onCancel, initial, presentation } = (options ?? {}) as PickLiveOptions;
      const id = editor.nextId();
      return new Promise((resolve) => {
        const heard = hear(id, {
          'picker:selected': (value) => {
            heard.stop();
            resolve(value);
          },
          'picker:changed': (value) => onChange?.(value),
          'picker:cancelled': () => {
            heard.stop();
            onCancel?.();
            resolve(null);
          },
        });
        send('pickLive', [
          id,
          title,
          values,
          { initialSelection: initial ?? null, presentation: presentation ?? 'default' },
        ]);
      });
    },
    createPicker: (title, items, options) => createPicker(title, items, options ?? {}),
    pickDynamic: (title, items, options) => createPicker(title, items, options ?? {}).result,
    spawnProcess: (options) => {
      const given = (options ?? {}) as ProcessOptions;
      const { onStdout, onStderr, onExit, onError } = given;
      const id = String(editor.nextId());
      let settle: (result: unknown) => void = () => undefined;
      const result = new Promise((resolve) => {
        settle = resolve;
      });
      const heard = hear(id, {
        'process:stdout': (line) => onStdout?.(line),
        'process:stderr': (line) => onStderr?.(line),
        'process:exit': (exit) => {
          heard.stop();
          const ended = { code: (exit as { code?: unknown } | null)?.code ?? null };
          onExit?.(ended);
          settle(ended);
        },
        'process:error': (message) => {
          heard.stop();
          onError?.(message);
          settle({ code: null, error: String(message) });
        },
      });
      send('spawnProcess', [
        id,
        {
          command: given.command,
          args: given.args ?? [],
          cwd: given.cwd ?? null,
          stdin: given.stdin ?? null,
          env: given.env ?? {},
          rawOutput: given.rawOutput ?? false,
        },
      ]);
      return { id, result, kill: () => send('killProcess', [id]) };
    },
    watchDirectory: (path, callback, options) => {
      const id = editor.nextId();
      on(`filesystem:changed:${id}`, callback as Listener);
      send('watchDirectory', [id, path, options ?? {}]);
      return id;
    },
  };

  function createPicker(title: unknown, items: unknown, options: PickerOptions) {
    const id = editor.nextId();
    let settled = false;
    let settle: (item: unknown) => void = () => undefined;
    const result = new Promise((resolve) => {
      settle = resolve;
    });
    const finish = (item: unknown) => {
      if (settled) return;
      settled = true;
      heard.stop();
      options.onClose?.(item);
      settle(item);
    };
    const controller = {
      id,
      result,
      updateItems: (values: unknown) => send('updatePickerItems', [id, pickerItems(values)]),
      updateQuery: (query: unknown) => send('updatePickerQuery', [id, String(query ?? '')]),
      updateStatus: (status: unknown) =>
        send('updatePickerStatus', [id, status == null ? null : String(status)]),
      updatePreview: (preview: unknown) => send('updatePickerPreview', [id, preview ?? null]),
      close: () => {
        send('closePicker', [id]);
        finish(null);
      },
    };
    const heard = hear(id, {
      'picker:selected': (item) => {
        options.onSelect?.(item);
        finish(item);
      },
      'picker:changed': (item) => {
        options.onChange?.(item);
        options.onSelection?.(item);
      },
      'picker:query': (query) => options.onQuery?.(query, controller),
      'picker:action': (payload) => {
        const { action, item, query } = (payload ?? {}) as Record<string, unknown>;
        return options.onAction?.(action, item, query, controller);
      },
      'picker:cancelled': () => {
        options.onCancel?.();
        finish(null);
      },
    });
    send('createPicker', [
      id,
      title,
      pickerItems(items),
      {
        externalFilter: Boolean(options.externalFilter),
        placeholder: options.placeholder ?? null,
        initialQuery: options.initialQuery || '',
        initialSelection: options.initialSelection ?? null,
        status: options.status ?? null,
        actions: options.actions || [],
        preview: options.preview ?? null,
        presentation: options.presentation ?? 'default',
      },
    ]);
    return controller;
  }

  const build = (member: RedMember): unknown => {
    const method = member.method ?? member.name;
    switch (member.kind) {
      case 'host':
        return hostMembers[member.name];
      case 'handle':
        return handles[member.name];
      case 'call':
        return (...args: unknown[]) => editor.call(method, args);
      case 'send':
        return (...args: unknown[]) => send(method, args);
      case 'state':
        return () => editor.state(method, member.stub);
      case 'listen': {
        const event = member.events?.[0]?.name ?? '';
        return (id: unknown, fn: unknown) => on(event.replace('{id}', String(id)), fn as Listener);
      }
    }
  };

  const red: Record<string, unknown> = {};
  for (const member of RedMembers) {
    const fn = build(member);
    if (typeof fn !== 'function') throw new Error(`red.${member.name} is declared, not built`);
    const [group, name] = member.name.includes('.')
      ? member.name.split('.')
      : [undefined, member.name];
    let owner = red;
    if (group) {
      owner = (red[group] ?? {}) as Record<string, unknown>;
      red[group] = owner;
    }
    owner[name as string] = fn;
  }
  return red;
}

/** Red's checks of picker items, its messages: each an object with an id and a label. */
function pickerItems(values: unknown): unknown[] {
  return ((values ?? []) as unknown[]).map((item, index) => {
    if (!item || typeof item !== 'object' || Array.isArray(item))
      throw new TypeError(`Picker item at index ${index} must be an object`);
    const { id, label } = item as { id?: unknown; label?: unknown };
    if (id === undefined || id === null || label === undefined)
      throw new TypeError(`Picker item at index ${index} requires id and label`);
    return { ...item, id: String(id), label: String(label) };
  });
}

interface PickLiveOptions {
  onChange?: Listener;
  onCancel?: () => unknown;
  initial?: unknown;
  presentation?: unknown;
}

interface PickerOptions {
  externalFilter?: unknown;
  placeholder?: unknown;
  initialQuery?: unknown;
  initialSelection?: unknown;
  status?: unknown;
  actions?: unknown;
  preview?: unknown;
  presentation?: unknown;
  onQuery?(query: unknown, picker: unknown): unknown;
  onChange?(item: unknown): unknown;
  onSelection?(item: unknown): unknown;
  onSelect?(item: unknown): unknown;
  onCancel?(): unknown;
  onClose?(item: unknown): unknown;
  onAction?(action: unknown, item: unknown, query: unknown, picker: unknown): unknown;
}

interface ProcessOptions {
  command?: unknown;
  args?: unknown;
  cwd?: unknown;
  stdin?: unknown;
  env?: unknown;
  rawOutput?: unknown;
  onStdout?: Listener;
  onStderr?: Listener;
  onExit?: Listener;
  onError?: Listener;
}
