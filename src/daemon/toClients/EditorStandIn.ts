import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { redEditorCalls, redStub } from '../../protocol/index.js';
import { importFile } from '../../startup/importFile.js';
import type { EditorCaller, EditorRegistration } from './EditorBridge.js';

/**
 * What an editor stand-in answers, from a fixture: a JSON file, or a JS module whose default
 * export (or whose exports) has the same three parts.
 */
export interface StandInScript {
  /**
   * Answers by `editor/call` method: a value, or, from a JS module, a function of the call's
   * arguments (its `this` can `emit(event, data)` to the calling plugin, as Red answers a handle).
   * A method left out answers the declared default (protocol/redApi.ts).
   */
  calls?: Record<string, unknown>;
  /** Pushed once, as `editor/state`: what Red's synchronous members answer (`listThemes`). */
  state?: Record<string, unknown>;
  /** Payloads of editor events, by name, for whoever drives a plugin's listeners (`verify`). */
  events?: Record<string, unknown>;
}

/** One `editor/call` the stand-in answered. */
export interface RecordedCall {
  pluginId: string;
  method: string;
  args: unknown[];
}

/** What a stand-in function's `this` offers: the calling plugin, and events back to it. */
export interface StandInCallContext {
  pluginId: string;
  emit(event: string, data?: unknown): void;
}

/** The part of the daemon core an editor stand-in is: one more editor, and what editors send. */
export interface StandInDaemon {
  editors: {
    register(name: string, caller: EditorCaller, calls: readonly string[]): EditorRegistration;
  };
  emitEvent(event: string, data: unknown, pluginId?: string): void;
  hosts: { pushEditorState(state: Record<string, unknown>): void };
}

/**
 * An editor played from a fixture, for tests, `reloadd verify --editor FILE` and a daemon with no
 * editor (`serve --editor FILE`, so the dashboard's commands can call one): it implements every
 * `editor/call` of the Red API, answers from the script or with the declared default, and records
 * each call. A real editor that connects later is the one the user is in, and is asked first.
 */
export class EditorStandIn {
  private readonly recorded: RecordedCall[] = [];
  private registration: EditorRegistration | undefined;

  constructor(
    private readonly daemon: StandInDaemon,
    private readonly script: StandInScript = {},
    private readonly name = 'editor stand-in',
  ) {}

  connect(): void {
    if (this.registration) return;
    const methods = new Set([
      ...redEditorCalls().map((call) => call.method),
      ...Object.keys(this.script.calls ?? {}),
    ]);
    this.registration = this.daemon.editors.register(
      this.name,
      { call: async ({ pluginId, method, args }) => this.answer(pluginId, method, args) },
      [...methods],
    );
    if (this.script.state) this.daemon.hosts.pushEditorState(this.script.state);
  }

  disconnect(): void {
    this.registration?.remove();
    this.registration = undefined;
  }

  /** The calls answered so far, in order; of one plugin when `pluginId` is given. */
  calls(pluginId?: string): RecordedCall[] {
    return this.recorded.filter((call) => pluginId === undefined || call.pluginId === pluginId);
  }

  /** The payload the script gives for an event, or undefined. */
  eventPayload(event: string): unknown {
    return this.script.events?.[event];
  }

  private answer(pluginId: string, method: string, args: unknown[]): unknown {
    this.recorded.push({ pluginId, method, args });
    const scripted = this.script.calls?.[method];
    if (typeof scripted !== 'function')
      return scripted === undefined ? redStub(method, args) : scripted;
    const context: StandInCallContext = {
      pluginId,
      // After the answer, as an editor's events follow the call that started them.
      emit: (event, data) => {
        setImmediate(() => this.daemon.emitEvent(event, data, pluginId));
      },
    };
    return (scripted as (...a: unknown[]) => unknown).apply(context, args);
  }
}

/** Reads a stand-in's script: `.json`, or a JS module (`.js`, `.mjs`, `.cjs`). */
export async function readStandInScript(file: string): Promise<StandInScript> {
  const absolute = path.resolve(file);
  let loaded: unknown;
  try {
    loaded = /\.json$/i.test(absolute)
      ? JSON.parse(await readFile(absolute, 'utf8'))
      : await importFile(pathToFileURL(absolute).href).then(
          (module) => (module as Record<string, unknown>).default ?? module,
        );
  } catch (error) {
    throw new Error(`${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (loaded === null || typeof loaded !== 'object' || Array.isArray(loaded))
    throw new Error(`${file}: an editor stand-in is an object with "calls", "state" or "events"`);
  for (const part of ['calls', 'state', 'events'] as const) {
    const value = (loaded as Record<string, unknown>)[part];
    if (
      value !== undefined &&
      (value === null || typeof value !== 'object' || Array.isArray(value))
    )
      throw new Error(`${file}: "${part}" must be an object keyed by name`);
  }
  const unknownParts = Object.keys(loaded).filter((k) => !['calls', 'state', 'events'].includes(k));
  if (unknownParts.length > 0)
    throw new Error(
      `${file}: unknown part ${unknownParts.map((k) => `"${k}"`).join(', ')} (an editor stand-in has "calls", "state" and "events")`,
    );
  return loaded as StandInScript;
}
