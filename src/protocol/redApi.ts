/**
 * The Red editor's plugin API (the `red` that `activate(red)` receives there), declared once as
 * data: every member of its `red.d.ts` at its last JavaScript release (cbe586a), and the members
 * of its runtime that plugins use beyond it. The plugin host builds each plugin's `red` from this
 * table (RedEditorApi.ts); a test holds it against red.d.ts; protocol.md and
 * docs/red-editor-api.md list it. Plain data, no zod: the plugin host loads it, and zod would
 * slow every host's start (BENCHMARKS.md, startup).
 *
 * How each member runs:
 * - `host`: inside the plugin host (logging, timers, events, commands, storage).
 * - `call`: an `editor/call` of the editor the user is in; the promise resolves with its answer.
 * - `send`: an `editor/call` whose answer the plugin never sees: it returns nothing there, so its
 *   plugins never await it (a failure, no editor say, is not the plugin's unhandled rejection).
 * - `state`: answered at once from what the editor last pushed (`editor/state`), as Red answers
 *   it synchronously.
 * - `handle`: the host returns a handle at once and tells the editor with `editor/call`s
 *   (`calls`); the editor answers through events (`editor/event`, named in `events`, `{id}`
 *   standing for the handle's id).
 * - `listen`: subscribes the plugin's callback to the editor events named in `events`.
 */

export type RedMemberKind = 'host' | 'call' | 'send' | 'state' | 'handle' | 'listen';

/** An `editor/call` method: its arguments, by name (`?`: optional), and what it answers. */
export interface RedEditorCall {
  method: string;
  params: readonly string[];
  returns: string;
}

/** An `editor/event` a member's handle or listener hears: its name and its `data`. */
export interface RedEventShape {
  /** `{id}` stands for the handle's id (or the panel's, the workspace's). */
  name: string;
  payload: string;
  /** What a stand-in sends (`verify` drives a listener with it), for an event a plugin names. */
  sample?: unknown;
}

export interface RedMember {
  /** As a plugin writes it after `red.`: `getEditorInfo`, or `storage.get` for a group's member. */
  name: string;
  kind: RedMemberKind;
  /** Its parameters as red.d.ts names them (`?`: optional; `...`: rest). */
  params: readonly string[];
  /** Its result, as red.d.ts writes it. */
  returns: string;
  /** `call` and `send`: the `editor/call` method, when not the member's own name. */
  method?: string;
  /** `handle`: the `editor/call`s its handle makes. */
  calls?: readonly RedEditorCall[];
  /** `handle` and `listen`: the editor events that reach it (`{id}`: the handle's id). */
  events?: readonly RedEventShape[];
  /** What an editor stand-in answers when it is told nothing (`call`, `state`). */
  stub?: unknown;
  /** Called with a key (its first argument), the default is `stub`'s value there, or null. */
  keyed?: true;
  /** Not in red.d.ts: Red's runtime (src/plugin/runtime.js) has it, and plugins use it. */
  runtimeOnly?: true;
}

const POSITION = { x: 0, y: 0 };
const PICKER_EVENTS: readonly RedEventShape[] = [
  { name: 'picker:selected:{id}', payload: 'PickerItem' },
  { name: 'picker:changed:{id}', payload: 'PickerItem | null' },
  { name: 'picker:query:{id}', payload: 'string' },
  {
    name: 'picker:action:{id}',
    payload: '{ action: string; item: PickerItem | null; query: string }',
  },
  { name: 'picker:cancelled:{id}', payload: 'null' },
];
const EMPTY_INFO = {
  buffers: [],
  current_buffer_index: 0,
  size: { rows: 24, cols: 80 },
  theme: { name: 'default', style: {} },
};

export const RedApi = [
  // Groups: `red.storage`, `red.lsp`, `red.theme`, `red.ui`.
  { name: 'storage.get', kind: 'host', params: ['key'], returns: 'Promise<any>' },
  { name: 'storage.set', kind: 'host', params: ['key', 'value'], returns: 'Promise<void>' },
  { name: 'storage.delete', kind: 'host', params: ['key'], returns: 'Promise<void>' },
  {
    name: 'lsp.documentSymbols',
    kind: 'call',
    method: 'documentSymbols',
    params: ['options?'],
    returns: 'Promise<DocumentSymbolsResult>',
    stub: { ok: false, error: 'no language server' },
  },
  {
    name: 'lsp.workspaceSymbols',
    kind: 'call',
    method: 'workspaceSymbols',
    params: ['query?'],
    returns: 'Promise<WorkspaceSymbolsResult>',
    stub: { ok: false, error: 'no language server' },
  },
  {
    name: 'lsp.references',
    kind: 'call',
    method: 'references',
    params: ['options?'],
    returns: 'Promise<ReferencesResult>',
    stub: { ok: false, error: 'no language server' },
  },
  {
    name: 'lsp.inlayHints',
    kind: 'call',
    method: 'inlayHints',
    params: ['options?'],
    returns: 'Promise<InlayHintsResult>',
    stub: { ok: false, error: 'no language server' },
  },
  {
    name: 'theme.resolveStyle',
    kind: 'call',
    method: 'resolveThemeStyle',
    params: ['spec'],
    returns: 'Promise<Style>',
    stub: {},
  },
  {
    name: 'ui.createWindowBar',
    kind: 'send',
    method: 'createWindowBar',
    params: ['id', 'config?'],
    returns: 'void',
  },
  {
    name: 'ui.updateWindowBar',
    kind: 'send',
    method: 'updateWindowBar',
    params: ['id', 'windowId', 'segments'],
    returns: 'void',
  },
  {
    name: 'ui.closeWindowBar',
    kind: 'send',
    method: 'closeWindowBar',
    params: ['id', 'windowId?'],
    returns: 'void',
  },

  // Commands and events.
  { name: 'addCommand', kind: 'host', params: ['name', 'callback'], returns: 'void' },
  { name: 'getCommands', kind: 'host', params: [], returns: 'string[]' },
  {
    name: 'getCommandList',
    kind: 'host',
    params: [],
    returns: 'string[]',
    runtimeOnly: true,
  },
  { name: 'on', kind: 'host', params: ['event', 'callback'], returns: 'void' },
  { name: 'once', kind: 'host', params: ['event', 'callback'], returns: 'void' },
  { name: 'off', kind: 'host', params: ['event', 'callback'], returns: 'void' },
  { name: 'notify', kind: 'host', params: ['event', 'args'], returns: 'void', runtimeOnly: true },

  // Logging and timers.
  { name: 'log', kind: 'host', params: ['...messages'], returns: 'void' },
  { name: 'logDebug', kind: 'host', params: ['...messages'], returns: 'void' },
  { name: 'logInfo', kind: 'host', params: ['...messages'], returns: 'void' },
  { name: 'logWarn', kind: 'host', params: ['...messages'], returns: 'void' },
  { name: 'logError', kind: 'host', params: ['...messages'], returns: 'void' },
  { name: 'viewLogs', kind: 'send', params: [], returns: 'void' },
  { name: 'setTimeout', kind: 'host', params: ['callback', 'delay'], returns: 'Promise<string>' },
  { name: 'clearTimeout', kind: 'host', params: ['id'], returns: 'Promise<void>' },
  { name: 'setInterval', kind: 'host', params: ['callback', 'delay'], returns: 'Promise<string>' },
  { name: 'clearInterval', kind: 'host', params: ['id'], returns: 'Promise<void>' },

  // The editor: what it is, and its windows.
  {
    name: 'getEditorInfo',
    kind: 'call',
    params: [],
    returns: 'Promise<EditorInfo>',
    stub: EMPTY_INFO,
  },
  { name: 'getWindows', kind: 'call', params: [], returns: 'Promise<WindowContext[]>', stub: [] },
  {
    name: 'resolveThemeStyle',
    kind: 'call',
    params: ['spec'],
    returns: 'Promise<Style>',
    stub: {},
  },
  { name: 'createWindowBar', kind: 'send', params: ['id', 'config?'], returns: 'void' },
  {
    name: 'updateWindowBar',
    kind: 'send',
    params: ['id', 'windowId', 'segments'],
    returns: 'void',
  },
  { name: 'closeWindowBar', kind: 'send', params: ['id', 'windowId?'], returns: 'void' },
  {
    name: 'getConfig',
    kind: 'call',
    params: ['key?'],
    returns: 'Promise<any>',
    // red.d.ts's Config, its required keys; `getConfig(key)` gets one of them, or null.
    stub: { theme: 'default', plugins: {}, show_diagnostics: true, keys: {} },
    keyed: true,
  },
  { name: 'execute', kind: 'send', params: ['command', 'args?'], returns: 'void' },
  { name: 'clearSearchHighlight', kind: 'send', params: [], returns: 'void' },
  {
    name: 'getEditorState',
    kind: 'call',
    params: [],
    returns: 'Promise<EditorStateSnapshot>',
    stub: {
      version: 1,
      cwd: '',
      savedAt: 0,
      buffers: [],
      currentBufferIndex: 0,
      windowLayout: null,
    },
  },
  {
    name: 'restoreEditorState',
    kind: 'call',
    params: ['snapshot'],
    returns: 'Promise<RestoreResult>',
    stub: { restored: false, openedFiles: [], skippedFiles: [], warnings: [] },
  },

  // Themes (Red's runtime; theme_browser uses them).
  {
    name: 'listThemes',
    kind: 'state',
    params: [],
    returns: 'string[]',
    stub: [],
    runtimeOnly: true,
  },
  { name: 'previewTheme', kind: 'send', params: ['name'], returns: 'void', runtimeOnly: true },
  { name: 'setTheme', kind: 'send', params: ['name'], returns: 'void', runtimeOnly: true },

  // Panels and workspaces.
  { name: 'createPanel', kind: 'send', params: ['id', 'config?'], returns: 'void' },
  { name: 'updatePanel', kind: 'send', params: ['id', 'rows'], returns: 'void' },
  { name: 'selectPanelRow', kind: 'send', params: ['id', 'rowId'], returns: 'void' },
  { name: 'focusPanel', kind: 'send', params: ['id'], returns: 'void' },
  { name: 'focusEditor', kind: 'send', params: [], returns: 'void' },
  { name: 'closePanel', kind: 'send', params: ['id'], returns: 'void' },
  {
    name: 'onPanelEvent',
    kind: 'listen',
    params: ['id', 'callback'],
    returns: 'void',
    events: [
      {
        name: 'panel:event:{id}',
        payload: 'PanelEvent',
        sample: { panel_id: '', action: 'refresh', selected_index: 0, row: null },
      },
    ],
  },
  { name: 'openWorkspace', kind: 'send', params: ['id', 'config?'], returns: 'void' },
  { name: 'updateWorkspace', kind: 'send', params: ['id', 'model'], returns: 'void' },
  { name: 'closeWorkspace', kind: 'send', params: ['id'], returns: 'void' },
  {
    name: 'onWorkspaceEvent',
    kind: 'listen',
    params: ['id', 'callback'],
    returns: 'void',
    events: [
      {
        name: 'workspace:event:{id}',
        payload: 'WorkspaceEvent',
        sample: { workspaceId: '', action: 'refresh', selectedIndex: 0, row: null },
      },
    ],
  },

  // Pickers.
  {
    name: 'pick',
    kind: 'call',
    params: ['title', 'values'],
    returns: 'Promise<string | null>',
    stub: null,
  },
  {
    name: 'openPicker',
    kind: 'send',
    params: ['title', 'id', 'values'],
    returns: 'void',
    runtimeOnly: true,
  },
  {
    name: 'pickLive',
    kind: 'handle',
    params: ['title', 'values', 'options?'],
    returns: 'Promise<string | null>',
    calls: [{ method: 'pickLive', params: ['id', 'title', 'values', 'options'], returns: 'void' }],
    events: [
      { name: 'picker:selected:{id}', payload: 'string' },
      { name: 'picker:changed:{id}', payload: 'string' },
      { name: 'picker:cancelled:{id}', payload: 'null' },
    ],
  },
  {
    name: 'createPicker',
    kind: 'handle',
    params: ['title', 'items', 'options?'],
    returns: 'PickerController<T>',
    calls: [
      { method: 'createPicker', params: ['id', 'title', 'items', 'options'], returns: 'void' },
      { method: 'updatePickerItems', params: ['id', 'items'], returns: 'void' },
      { method: 'updatePickerQuery', params: ['id', 'query'], returns: 'void' },
      { method: 'updatePickerStatus', params: ['id', 'status'], returns: 'void' },
      { method: 'updatePickerPreview', params: ['id', 'preview'], returns: 'void' },
      { method: 'closePicker', params: ['id'], returns: 'void' },
    ],
    events: PICKER_EVENTS,
  },
  {
    name: 'pickDynamic',
    kind: 'handle',
    params: ['title', 'items', 'options?'],
    returns: 'Promise<PickerItem<T> | null>',
    calls: [
      { method: 'createPicker', params: ['id', 'title', 'items', 'options'], returns: 'void' },
    ],
    events: PICKER_EVENTS,
  },

  // Processes and the file system.
  {
    name: 'spawnProcess',
    kind: 'handle',
    params: ['options'],
    returns: 'ProcessHandle',
    calls: [
      { method: 'spawnProcess', params: ['id', 'options'], returns: 'void' },
      { method: 'killProcess', params: ['id'], returns: 'void' },
    ],
    events: [
      { name: 'process:stdout:{id}', payload: 'string' },
      { name: 'process:stderr:{id}', payload: 'string' },
      { name: 'process:exit:{id}', payload: 'ProcessResult' },
      { name: 'process:error:{id}', payload: 'string' },
    ],
  },
  {
    name: 'watchDirectory',
    kind: 'handle',
    params: ['path', 'callback', 'options?'],
    returns: 'number',
    calls: [{ method: 'watchDirectory', params: ['id', 'path', 'options'], returns: 'void' }],
    events: [{ name: 'filesystem:changed:{id}', payload: 'any' }],
  },
  { name: 'unwatchDirectory', kind: 'send', params: ['watchId'], returns: 'void' },
  {
    name: 'listDirectory',
    kind: 'call',
    params: ['path'],
    returns: 'Promise<any>',
    stub: { path: '', entries: [], error: null },
    runtimeOnly: true,
  },
  {
    name: 'getGitStatus',
    kind: 'call',
    params: ['path?'],
    returns: 'Promise<any>',
    stub: { root: null, statuses: [], error: null },
    runtimeOnly: true,
  },

  // Buffers, text and the cursor.
  { name: 'openLocation', kind: 'send', params: ['location', 'options?'], returns: 'void' },
  { name: 'openBuffer', kind: 'send', params: ['name'], returns: 'void' },
  { name: 'openFile', kind: 'send', params: ['path'], returns: 'void', runtimeOnly: true },
  { name: 'drawText', kind: 'send', params: ['x', 'y', 'text', 'style?'], returns: 'void' },
  { name: 'insertText', kind: 'send', params: ['x', 'y', 'text'], returns: 'void' },
  { name: 'deleteText', kind: 'send', params: ['x', 'y', 'length'], returns: 'void' },
  { name: 'replaceText', kind: 'send', params: ['x', 'y', 'length', 'text'], returns: 'void' },
  {
    name: 'getCursorPosition',
    kind: 'call',
    params: [],
    returns: 'Promise<CursorPosition>',
    stub: POSITION,
  },
  { name: 'setCursorPosition', kind: 'send', params: ['x', 'y'], returns: 'void' },
  {
    name: 'getCursorDisplayColumn',
    kind: 'call',
    params: [],
    returns: 'Promise<number>',
    stub: 0,
  },
  { name: 'setCursorDisplayColumn', kind: 'send', params: ['column', 'y'], returns: 'void' },
  {
    name: 'getTextDisplayWidth',
    kind: 'call',
    params: ['text'],
    returns: 'Promise<number>',
    stub: 0,
  },
  {
    name: 'charIndexToDisplayColumn',
    kind: 'call',
    params: ['x', 'y'],
    returns: 'Promise<number>',
    stub: 0,
  },
  {
    name: 'displayColumnToCharIndex',
    kind: 'call',
    params: ['column', 'y'],
    returns: 'Promise<number>',
    stub: 0,
  },
  {
    name: 'getBufferText',
    kind: 'call',
    params: ['startLine?', 'endLine?'],
    returns: 'Promise<string>',
    stub: '',
  },
  {
    name: 'getSelection',
    kind: 'call',
    params: [],
    returns: 'Promise<SelectionRange | null>',
    stub: null,
  },
  {
    name: 'openScratchBuffer',
    kind: 'call',
    params: ['name', 'text?'],
    returns: 'Promise<{ bufferIndex: number }>',
    stub: { bufferIndex: 0 },
  },
  { name: 'closeScratchBuffer', kind: 'send', params: ['bufferIndex'], returns: 'void' },

  // Decorations, signs and overlays.
  {
    name: 'getViewportLayout',
    kind: 'call',
    params: [],
    returns: 'Promise<ViewportLayout>',
    stub: { bufferIndex: 0, buffer_index: 0, contentWidth: 80, content_width: 80, rows: [] },
  },
  { name: 'setDecorations', kind: 'send', params: ['namespace', 'decorations'], returns: 'void' },
  { name: 'clearDecorations', kind: 'send', params: ['namespace'], returns: 'void' },
  { name: 'setGutterSigns', kind: 'send', params: ['namespace', 'signs'], returns: 'void' },
  { name: 'clearGutterSigns', kind: 'send', params: ['namespace'], returns: 'void' },
  {
    name: 'createOverlay',
    kind: 'send',
    params: ['id', 'config?'],
    returns: 'void',
    runtimeOnly: true,
  },
  {
    name: 'updateOverlay',
    kind: 'send',
    params: ['id', 'lines'],
    returns: 'void',
    runtimeOnly: true,
  },
  { name: 'removeOverlay', kind: 'send', params: ['id'], returns: 'void', runtimeOnly: true },
] as const satisfies readonly RedMember[];

/** An event the editor sends (`editor/event`) that Red's plugins hear through `red.on`. */
export interface RedEvent extends RedEventShape {
  /** What an editor stand-in sends when it is told nothing: a payload of the declared shape. */
  sample: unknown;
  /** Not in red.d.ts: Red's editor sends it, and plugins listen to it. */
  runtimeOnly?: true;
}

const WINDOW_CHANGE = { windowId: 0, bufferIndex: 0, cause: 'Focus' };

/** The events of red.d.ts's `red.on`, as that release names them (camelCase after the colon). */
export const RedEvents: readonly RedEvent[] = [
  { name: 'editor:ready', payload: 'Record<string, never>', sample: {} },
  {
    name: 'editor:stateRestored',
    payload: '{ windows: WindowContext[]; cause: "RestoreEditorState" }',
    sample: { windows: [], cause: 'RestoreEditorState' },
  },
  {
    name: 'buffer:changed',
    payload: 'BufferChangeEvent',
    sample: { buffer_id: 0, buffer_name: 'untitled', line_count: 1, cursor: POSITION },
  },
  {
    name: 'mode:changed',
    payload: 'ModeChangeEvent',
    sample: {
      from: 'Normal',
      to: 'Insert',
      old_mode: 'Normal',
      new_mode: 'Insert',
      cause: 'Insert',
    },
  },
  {
    name: 'cursor:moved',
    payload: 'CursorMoveEvent',
    sample: {
      from: POSITION,
      to: { x: 0, y: 1 },
      x: 0,
      y: 1,
      mode: 'Normal',
      cause: 'MoveDown',
      viewportTop: 0,
      viewport_top: 0,
      bufferIndex: 0,
      buffer_index: 0,
    },
  },
  {
    name: 'search:highlighted',
    payload: 'SearchHighlightEvent',
    sample: { term: 'a', direction: 'Forward', source: 'Search' },
  },
  { name: 'search:cleared', payload: 'SearchClearedEvent', sample: { term: 'a' } },
  { name: 'file:opened', payload: 'FileEvent', sample: { buffer_id: 0, path: 'untitled' } },
  { name: 'file:saved', payload: 'FileEvent', sample: { buffer_id: 0, path: 'untitled' } },
  {
    name: 'lsp:progress',
    payload: 'LspProgressEvent',
    sample: {
      token: 'rustAnalyzer/Indexing',
      value: { kind: 'begin', title: 'Indexing' },
      kind: 'begin',
      title: 'Indexing',
    },
  },
  { name: 'editor:resize', payload: 'ResizeEvent', sample: { rows: 24, cols: 80 } },
  { name: 'window:focused', payload: 'WindowChangeEvent', sample: WINDOW_CHANGE },
  {
    name: 'window:layoutChanged',
    payload: '{ windows: WindowContext[] }',
    sample: { windows: [] },
  },
  { name: 'window:bufferChanged', payload: 'WindowChangeEvent', sample: WINDOW_CHANGE },
  { name: 'window:closed', payload: '{ windowId: number }', sample: { windowId: 0 } },
  { name: 'theme:changed', payload: '{ name: string }', sample: { name: 'default' } },
  {
    name: 'windowBar:action:{id}',
    payload: '{ windowId: number; segmentId?: string; action: string }',
    sample: { windowId: 0, action: 'click' },
  },
  {
    name: 'viewport:changed',
    payload: 'ViewportChangeEvent',
    sample: {
      vtop: 0,
      vleft: 0,
      skipcol: 0,
      wrap: false,
      width: 80,
      height: 24,
      bufferIndex: 0,
      buffer_index: 0,
      windowId: 0,
      window_id: 0,
      cause: 'Scroll',
    },
    runtimeOnly: true,
  },
];

/**
 * The declared event `name` stands for (`windowBar:action:bar` → `windowBar:action:{id}`): one of
 * `red.on`'s, or of a member that listens by id (`onPanelEvent`). A handle's events (a picker's,
 * numbered) have no sample: no one but the editor sends them.
 */
export function redEvent(name: string): RedEventShape | undefined {
  const listened = RedMembers.filter((m) => m.kind === 'listen').flatMap((m) => m.events ?? []);
  return [...RedEvents, ...listened].find(
    (event) =>
      event.name === name ||
      (event.name.endsWith('{id}') && name.startsWith(event.name.slice(0, -'{id}'.length))),
  );
}

/** The declaration, each member as the shape all share. */
export const RedMembers: readonly RedMember[] = RedApi;

/** Every `editor/call` method the Red API makes, once each: what an editor implements. */
export function redEditorCalls(): RedEditorCall[] {
  const calls = new Map<string, RedEditorCall>();
  for (const member of RedMembers) {
    if (member.kind === 'call' || member.kind === 'send') {
      const method = member.method ?? member.name;
      calls.set(method, {
        method,
        params: member.params,
        returns: member.kind === 'send' ? 'void' : member.returns.replace(/^Promise<(.*)>$/, '$1'),
      });
    }
    for (const call of member.calls ?? []) calls.set(call.method, call);
  }
  return [...calls.values()];
}

/** The members answered from what the editor pushes (`editor/state`), by the key it pushes. */
export function redStateKeys(): RedMember[] {
  return RedMembers.filter((member) => member.kind === 'state');
}

/** What an editor stand-in answers for `method` when it is told nothing: null for a `send`. */
export function redStub(method: string, args: readonly unknown[] = []): unknown {
  const member = RedMembers.find(
    (m) => (m.kind === 'call' || m.kind === 'state') && (m.method ?? m.name) === method,
  );
  const [key] = args;
  if (member?.keyed && typeof key === 'string')
    return (member.stub as Record<string, unknown>)[key] ?? null;
  return member?.stub ?? null;
}

/** Events the daemon itself delivers to plugins (`ctx.events.on` / `red.on`), as the Red editor names them. */
export const PluginLifecycleEvents = {
  /** A plugin is about to be reloaded: `{ id, generation }` (the generation now running). */
  Reloading: 'plugin:reloading',
  /** A plugin was reloaded: `{ id, generation, ok }`. */
  Reloaded: 'plugin:reloaded',
  /** A generation of a plugin was unloaded (a reload, a rollback, a stop): `{ id, generation }`. */
  Unloaded: 'plugin:unloaded',
} as const;
