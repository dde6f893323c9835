import { z } from 'zod';
import { request } from './define.js';

/**
 * The editor bridge. A client that declares `capabilities.editor` in `initialize` is an editor:
 * plugins can call it (`editor/call`, daemon → editor) and hear it (`editor/event`, editor →
 * daemon, in notifications.ts).
 */

/** `initialize` → `capabilities.editor`: the calls this editor implements. */
export const EditorCapabilities = z.object({
  /** Method names of `editor/call` this editor answers (seed 000's names: "getEditorInfo", ...). */
  calls: z.array(z.string().min(1)),
});
export type EditorCapabilities = z.infer<typeof EditorCapabilities>;

/**
 * Daemon → editor: a plugin asks the editor for something. The answer is the editor's result;
 * an error answer rejects the plugin's promise with its message.
 */
export const EditorCall = request(
  'editor/call',
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
 * Seed 000's editor API: the calls a plugin's context forwards to the editor under the same name
 * with the same arguments, and whether that editor's plugins get an answer from them (`none`: it
 * returns nothing there, so its plugins never await it; an editor answers null, and a failure is
 * not the plugin's unhandled rejection). An editor implements those it can and lists them in
 * `capabilities.editor.calls`.
 */
const EditorCallAnswers = {
  getEditorInfo: 'answer',
  getConfig: 'answer',
  pick: 'answer',
  openPicker: 'none',
  openBuffer: 'none',
  drawText: 'none',
  insertText: 'none',
  deleteText: 'none',
  replaceText: 'none',
  getBufferText: 'answer',
  getCursorPosition: 'answer',
  setCursorPosition: 'none',
  getCursorDisplayColumn: 'answer',
  setCursorDisplayColumn: 'none',
  getTextDisplayWidth: 'answer',
  charIndexToDisplayColumn: 'answer',
  displayColumnToCharIndex: 'answer',
  createOverlay: 'none',
  updateOverlay: 'none',
  removeOverlay: 'none',
  viewLogs: 'none',
  execute: 'none',
} as const;
export type EditorCallMethod = keyof typeof EditorCallAnswers;

export const EditorCallMethods = Object.keys(EditorCallAnswers) as EditorCallMethod[];

export const EditorCallsWithoutAnswer: ReadonlySet<EditorCallMethod> = new Set(
  EditorCallMethods.filter((method) => EditorCallAnswers[method] === 'none'),
);

/** Events the daemon itself delivers to plugins (`ctx.events.on` / `red.on`), as seed 000 names them. */
export const PluginLifecycleEvents = {
  /** A plugin is about to be reloaded: `{ id, generation }` (the generation now running). */
  Reloading: 'plugin:reloading',
  /** A plugin was reloaded: `{ id, generation, ok }`. */
  Reloaded: 'plugin:reloaded',
} as const;
