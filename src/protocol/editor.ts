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
 * with the same arguments. An editor implements those it can and lists them in
 * `capabilities.editor.calls`.
 */
export const EditorCallMethods = [
  'getEditorInfo',
  'getConfig',
  'pick',
  'openPicker',
  'openBuffer',
  'drawText',
  'insertText',
  'deleteText',
  'replaceText',
  'getBufferText',
  'getCursorPosition',
  'setCursorPosition',
  'getCursorDisplayColumn',
  'setCursorDisplayColumn',
  'getTextDisplayWidth',
  'charIndexToDisplayColumn',
  'displayColumnToCharIndex',
  'createOverlay',
  'updateOverlay',
  'removeOverlay',
  'viewLogs',
  'execute',
] as const;
export type EditorCallMethod = (typeof EditorCallMethods)[number];

/**
 * Seed 000's calls that answer nothing in that editor (its plugins never await them): an editor
 * answers them with null, and a failure of one is not the plugin's unhandled rejection.
 */
export const EditorCallsWithoutAnswer: ReadonlySet<EditorCallMethod> = new Set([
  'openPicker',
  'openBuffer',
  'drawText',
  'insertText',
  'deleteText',
  'replaceText',
  'setCursorPosition',
  'setCursorDisplayColumn',
  'createOverlay',
  'updateOverlay',
  'removeOverlay',
  'viewLogs',
  'execute',
]);

/** Events the daemon itself delivers to plugins (`ctx.events.on` / `red.on`), as seed 000 names them. */
export const PluginLifecycleEvents = {
  /** A plugin is about to be reloaded: `{ id, generation }` (the generation now running). */
  Reloading: 'plugin:reloading',
  /** A plugin was reloaded: `{ id, generation, ok }`. */
  Reloaded: 'plugin:reloaded',
} as const;
