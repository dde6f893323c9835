import { z } from 'zod';
import { Direction, notification } from './define.js';
import { Diagnostic } from './diagnostics.js';
import { ReloadPhases } from './logs.js';
import { ReloadError } from './plugin.js';
import { PluginStatusSchema, ReloadTriggerSchema, RequestedBySchema } from './status.js';

/** Sent to every client after each reload transaction, whether it succeeded or not. */
export const DidReload = notification(
  'plugin/didReload',
  Direction.DaemonToClient,
  z.object({
    id: z.string(),
    ok: z.boolean(),
    generation: z.number().int(),
    /**
     * What the plugin is after this reload: `active` when a generation runs (the new one, or, after
     * a failure, the one kept or brought back), `failed` when none does.
     */
    status: PluginStatusSchema,
    durationMs: z.number(),
    trigger: ReloadTriggerSchema,
    changedFiles: z.array(z.string()).optional(),
    /** For trigger "dependency": the plugins of the same plan whose reload set this one off. */
    causedBy: z.array(z.string()).optional(),
    /** For trigger "request": the client that asked (its `id` in `daemon/status`'s clients). */
    requestedBy: RequestedBySchema.optional(),
    /** True when the new generation failed and the previous one was brought back. */
    rolledBack: z.boolean().optional(),
    error: ReloadError.optional(),
    /** How long each phase took (absent for a reload refused before it started). */
    phases: ReloadPhases.optional(),
    /**
     * When, in milliseconds since the Unix epoch (with fractions, from the daemon's clock): the
     * first file event behind this reload (for a file change), and the moment this notification
     * was sent. A client on the same machine adds what lies outside the daemon: its write to
     * `detected`, and `sent` to its own reading.
     */
    timestamps: z.object({ detected: z.number().optional(), sent: z.number() }).optional(),
  }),
);

/** The whole current list for one plugin: it replaces the previous one; [] clears it (as LSP). */
export const PublishDiagnostics = notification(
  'plugin/publishDiagnostics',
  Direction.DaemonToClient,
  z.object({ pluginId: z.string(), diagnostics: z.array(Diagnostic) }),
);

/**
 * A plugin's status changed other than through a reload (reloads send `plugin/didReload`): it was
 * disabled, its folder was removed, or its manifest stopped reading.
 */
export const DidChangeStatus = notification(
  'plugin/didChangeStatus',
  Direction.DaemonToClient,
  z.object({
    id: z.string(),
    status: z.union([PluginStatusSchema, z.literal('removed')]),
    /** The generation that ran last (0: none ever ran). */
    generation: z.number().int(),
  }),
);

export type DidReloadParams = z.infer<typeof DidReload.params>;
export type PublishDiagnosticsParams = z.infer<typeof PublishDiagnostics.params>;
export type DidChangeStatusParams = z.infer<typeof DidChangeStatus.params>;
