import { z } from 'zod';
import { Direction, notification } from './define.js';
import { Range } from './diagnostics.js';

/**
 * LSP's messages about documents, where reloadd meets an editor's buffers: the editor's saves
 * (`textDocument/didSave`, `workspace/didChangeWatchedFiles`) as hints that reload at once, and
 * each plugin's diagnostics as `textDocument/publishDiagnostics`, per file, so they show in the
 * buffer as a language server's do. Shapes as LSP declares them.
 */

/** `initialize` → `capabilities.textDocument`, as LSP's. */
export const TextDocumentCapabilities = z.looseObject({
  /** The client shows `textDocument/publishDiagnostics` in its buffers. */
  publishDiagnostics: z.looseObject({}).nullish(),
});

/**
 * The editor saved a file. A hint: the plugins whose files it is reload at once, ahead of the
 * file watcher, whose own event for the same save then changes nothing.
 */
export const DidSaveTextDocument = notification(
  'textDocument/didSave',
  Direction.ClientToDaemon,
  z.looseObject({ textDocument: z.object({ uri: z.string() }), text: z.string().optional() }),
);

/**
 * What LSP clients send of their buffers and settings whatever `textDocumentSync` says (eglot
 * sends every open, change and close; most clients send their settings): accepted and left
 * alone. The daemon reads plugins from disk, never from an editor's buffers.
 */
export const IgnoredClientNotifications = [
  'textDocument/didOpen',
  'textDocument/didChange',
  'textDocument/didClose',
  'workspace/didChangeConfiguration',
] as const;

/** LSP's `FileChangeType`: Created 1, Changed 2, Deleted 3. */
export const DidChangeWatchedFiles = notification(
  'workspace/didChangeWatchedFiles',
  Direction.ClientToDaemon,
  z.object({
    changes: z.array(
      z.object({ uri: z.string(), type: z.union([z.literal(1), z.literal(2), z.literal(3)]) }),
    ),
  }),
);

/** LSP's `DiagnosticSeverity`: Error 1, Warning 2, Information 3, Hint 4. */
export const LspSeverity = { error: 1, warning: 2, info: 3 } as const;

export const LspDiagnostic = z.object({
  range: Range,
  severity: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]),
  /** The `RELOADD_...` code. */
  code: z.string(),
  /** Always "reloadd". */
  source: z.string(),
  message: z.string(),
});
export type LspDiagnostic = z.infer<typeof LspDiagnostic>;

/**
 * One file's whole list of diagnostics, from every plugin it belongs to; it replaces what the
 * client had for that file, and [] clears it (LSP's own rule).
 */
export const TextDocumentPublishDiagnostics = notification(
  'textDocument/publishDiagnostics',
  Direction.DaemonToClient,
  z.object({ uri: z.string(), diagnostics: z.array(LspDiagnostic) }),
);
export type TextDocumentPublishDiagnosticsParams = z.infer<
  typeof TextDocumentPublishDiagnostics.params
>;
