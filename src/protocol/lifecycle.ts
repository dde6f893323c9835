import { z } from 'zod';
import { Direction, NoParams, notification, request } from './define.js';
import { TextDocumentCapabilities } from './documents.js';
import { EditorCapabilities } from './editor.js';
import { PositionEncoding } from './positionEncoding.js';
import { InitializationOptions, WindowCapabilities } from './window.js';

/** Bumped on any incompatible change to a method, notification or schema in this folder. */
export const PROTOCOL_VERSION = '1.0';

/** `initialize` → `capabilities.general`, as LSP's: the position encodings the client reads. */
export const GeneralCapabilities = z.looseObject({
  /** In the client's order of preference; the daemon picks the first it knows (positionEncoding.ts). */
  positionEncodings: z.array(z.string()).nullish(),
});

/**
 * What a client declares. Only what reloadd reads is checked; any other key, and null or absent
 * anywhere (as LSP clients send for what they leave unset), is taken as not declared.
 */
export const ClientCapabilities = z.looseObject({
  /** LSP's `general`: `positionEncodings`. */
  general: GeneralCapabilities.nullish(),
  /** Present when the client is an editor: plugins may call it (editor.ts). */
  editor: EditorCapabilities.nullish(),
  /** LSP's window capabilities: `$/progress`, `window/showDocument` (window.ts). */
  window: WindowCapabilities.nullish(),
  /** LSP's: with `publishDiagnostics`, the client gets diagnostics per file (documents.ts). */
  textDocument: TextDocumentCapabilities.nullish(),
});
export type ClientCapabilities = z.infer<typeof ClientCapabilities>;

export const Initialize = request(
  'initialize',
  Direction.ClientToDaemon,
  z.object({
    processId: z.number().int().nullish(),
    clientInfo: z.looseObject({ name: z.string(), version: z.string().nullish() }).nullish(),
    protocolVersion: z.string().nullish(),
    capabilities: ClientCapabilities.nullish(),
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
       * LSP 3.17's: what a `character` counts in LSP's own messages to this client
       * (`textDocument/publishDiagnostics`, `window/showDocument`). reloadd's own messages always
       * count UTF-16 code units.
       */
      positionEncoding: z.enum([
        PositionEncoding.UTF8,
        PositionEncoding.UTF16,
        PositionEncoding.UTF32,
      ]),
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

/**
 * Requests that `$/cancelRequest` does not reach: their answer is their result. `shutdown` runs to
 * its end once asked (a session, or the daemon, is stopping), so "cancelled" would be untrue.
 */
export const UncancellableRequests: readonly string[] = [Shutdown.method];

export const Exit = notification('exit', Direction.ClientToDaemon, NoParams);
