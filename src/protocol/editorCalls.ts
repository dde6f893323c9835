/**
 * The Red editor's plugin API: the calls a plugin's context forwards to the editor under the same name
 * with the same arguments, and whether that editor's plugins get an answer from them (`none`: it
 * returns nothing there, so its plugins never await it; an editor answers null, and a failure is
 * not the plugin's unhandled rejection). An editor implements those it can and lists them in
 * `capabilities.editor.calls`.
 *
 * Plain data, no zod: the plugin host (a worker thread) builds each plugin's `red.*` methods from
 * this table, and loading zod there would slow every host's start (BENCHMARKS.md, startup).
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

/** Events the daemon itself delivers to plugins (`ctx.events.on` / `red.on`), as the Red editor names them. */
export const PluginLifecycleEvents = {
  /** A plugin is about to be reloaded: `{ id, generation }` (the generation now running). */
  Reloading: 'plugin:reloading',
  /** A plugin was reloaded: `{ id, generation, ok }`. */
  Reloaded: 'plugin:reloaded',
  /** A generation of a plugin was unloaded (a reload, a rollback, a stop): `{ id, generation }`. */
  Unloaded: 'plugin:unloaded',
} as const;
