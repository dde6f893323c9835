import { z } from 'zod';
import { notification } from './define.js';
import { Diagnostic } from './diagnostics.js';
import { ReloadPhases } from './logs.js';
import { ReloadError } from './plugin.js';
import { PluginStatusSchema, ReloadTriggerSchema } from './status.js';

/** Sent to every client after each reload transaction, whether it succeeded or not. */
export const DidReload = notification(
  'plugin/didReload',
  z.object({
    id: z.string(),
    ok: z.boolean(),
    generation: z.number().int(),
    durationMs: z.number(),
    trigger: ReloadTriggerSchema,
    changedFiles: z.array(z.string()).optional(),
    /** True when the new generation failed and the previous one was brought back. */
    rolledBack: z.boolean().optional(),
    error: ReloadError.optional(),
    /** How long each phase took (absent for a reload refused before it started). */
    phases: ReloadPhases.optional(),
  }),
);

/** The whole current list for one plugin: it replaces the previous one; [] clears it (as LSP). */
export const PublishDiagnostics = notification(
  'plugin/publishDiagnostics',
  z.object({ pluginId: z.string(), diagnostics: z.array(Diagnostic) }),
);

/**
 * A plugin's status changed other than through a reload (reloads send `plugin/didReload`): it was
 * disabled, its folder was removed, or its manifest stopped reading.
 */
export const DidChangeStatus = notification(
  'plugin/didChangeStatus',
  z.object({
    id: z.string(),
    status: z.union([PluginStatusSchema, z.literal('removed')]),
    /** The generation that ran last (0: none ever ran). */
    generation: z.number().int(),
  }),
);

/** From a client: something happened in the editor. Delivered to `ctx.events.on(event, fn)`. */
export const EditorEvent = notification(
  'editor/event',
  z.object({ event: z.string().min(1), data: z.unknown().optional() }),
);

export type DidReloadParams = z.infer<typeof DidReload.params>;
export type PublishDiagnosticsParams = z.infer<typeof PublishDiagnostics.params>;
export type DidChangeStatusParams = z.infer<typeof DidChangeStatus.params>;
export type EditorEventParams = z.infer<typeof EditorEvent.params>;
