import { z } from 'zod';
import { Direction, notification, request } from './define.js';

/**
 * The editor bridge. A client that declares `capabilities.editor` in `initialize` is an editor:
 * plugins can call it (`editor/call`, daemon → editor) and hear it (`editor/event`, client →
 * daemon).
 */

/** `initialize` → `capabilities.editor`: the calls this editor implements. */
export const EditorCapabilities = z.looseObject({
  /** Method names of `editor/call` this editor answers (the Red editor's names: "getEditorInfo", ...). */
  calls: z.array(z.string().min(1)).nullish(),
});
export type EditorCapabilities = z.infer<typeof EditorCapabilities>;

/**
 * Daemon → editor: a plugin asks the editor for something. The answer is the editor's result;
 * an error answer rejects the plugin's promise with its message.
 */
export const EditorCall = request(
  'editor/call',
  Direction.DaemonToEditor,
  z.object({
    /** The plugin that asked. */
    pluginId: z.string(),
    method: z.string().min(1),
    args: z.array(z.unknown()),
  }),
  z.unknown(),
);
export type EditorCallParams = z.infer<typeof EditorCall.params>;

/**
 * Editor events the daemon acts on itself (besides delivering them to plugins): `editor:exiting`
 * runs every running generation's `beforeExit(red, editorState)`, once per generation. Its `data`,
 * when given, is the editor's state snapshot (what `getEditorState` answers), for an editor that
 * may not answer a call any more; without it, the daemon asks `getEditorState`.
 */
export const EditorLifecycleEvents = { Exiting: 'editor:exiting' } as const;

/**
 * The `editor/call` the daemon makes itself, before plugins' `beforeExit`: the editor's state
 * snapshot (the Red editor's `EditorStateSnapshot`). Its `pluginId` is `""`: no one plugin asks.
 */
export const EditorStateCall = 'getEditorState';

/**
 * From a client: something happened in the editor. Delivered to `ctx.events.on(event, fn)` (Red's
 * `red.on`) of every plugin, or, with `pluginId`, of that plugin only: the events of a handle
 * (a picker, a process, a watch) go to the plugin whose `editor/call` made it.
 */
export const EditorEvent = notification(
  'editor/event',
  Direction.ClientToDaemon,
  z.object({
    event: z.string().min(1),
    data: z.unknown().optional(),
    pluginId: z.string().min(1).optional(),
  }),
);
export type EditorEventParams = z.infer<typeof EditorEvent.params>;

/**
 * From an editor: what Red's synchronous members answer (`listThemes`), by method name. Each
 * value replaces the one pushed before; until one is pushed, the declared default answers.
 */
export const EditorState = notification(
  'editor/state',
  Direction.ClientToDaemon,
  z.object({ state: z.record(z.string().min(1), z.unknown()) }),
);
export type EditorStateParams = z.infer<typeof EditorState.params>;
