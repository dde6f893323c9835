import { z } from 'zod';
import { Direction, NoParams, notification, request } from './define.js';
import { EditorCapabilities } from './editor.js';

/** Bumped on any incompatible change to a method, notification or schema in this folder. */
export const PROTOCOL_VERSION = '1.0';

export const ClientCapabilities = z.looseObject({
  /** Present when the client is an editor: plugins may call it (editor.ts). */
  editor: EditorCapabilities.optional(),
});

export const Initialize = request(
  'initialize',
  Direction.ClientToDaemon,
  z.object({
    processId: z.number().int().nullable().optional(),
    clientInfo: z.object({ name: z.string(), version: z.string().optional() }).optional(),
    protocolVersion: z.string().optional(),
    capabilities: ClientCapabilities.optional(),
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
    }),
  }),
);

export const Initialized = notification('initialized', Direction.ClientToDaemon, NoParams);

export const Shutdown = request('shutdown', Direction.ClientToDaemon, NoParams, z.null());

export const Exit = notification('exit', Direction.ClientToDaemon, NoParams);
