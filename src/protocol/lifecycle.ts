import { z } from 'zod';
import { Direction, NoParams, notification, request } from './define.js';
import { TextDocumentCapabilities } from './documents.js';
import { EditorCapabilities } from './editor.js';
import { InitializationOptions, WindowCapabilities } from './window.js';

/** Bumped on any incompatible change to a method, notification or schema in this folder. */
export const PROTOCOL_VERSION = '1.0';

export const ClientCapabilities = z.looseObject({
  /** Present when the client is an editor: plugins may call it (editor.ts). */
  editor: EditorCapabilities.optional(),
  /** LSP's window capabilities: the client gets `window/showMessage`, `$/progress` (window.ts). */
  window: WindowCapabilities.optional(),
  /** LSP's: with `publishDiagnostics`, the client gets diagnostics per file (documents.ts). */
  textDocument: TextDocumentCapabilities.optional(),
});

export const Initialize = request(
  'initialize',
  Direction.ClientToDaemon,
  z.object({
    processId: z.number().int().nullable().optional(),
    clientInfo: z.object({ name: z.string(), version: z.string().optional() }).optional(),
    protocolVersion: z.string().optional(),
    capabilities: ClientCapabilities.optional(),
    initializationOptions: InitializationOptions.nullish(),
  }),
  z.object({
    serverInfo: z.object({ name: z.string(), version: z.string() }),
    protocolVersion: z.string(),
    capabilities: z.object({
      /** Every request method this daemon answers. */
      requests: z.array(z.string()),
      /** Every notification method this daemon sends. */
      notifications: z.array(z.string()),
      hotReload: z.boolean(),
      /**
       * As LSP's: the daemon wants `textDocument/didSave` (no text) and no other document sync,
       * so that an LSP client sends its saves, which reload ahead of the file watcher.
       */
      textDocumentSync: z.object({
        openClose: z.boolean(),
        change: z.literal(0),
        save: z.object({ includeText: z.boolean() }),
      }),
    }),
  }),
);

export const Initialized = notification('initialized', Direction.ClientToDaemon, NoParams);

export const Shutdown = request('shutdown', Direction.ClientToDaemon, NoParams, z.null());

export const Exit = notification('exit', Direction.ClientToDaemon, NoParams);
