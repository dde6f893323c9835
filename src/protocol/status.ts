import { z } from 'zod';

/** A plugin's status, as `plugin/list` reports it. */
export const PluginStatus = {
  /** Being built or activated for the first time (or re-enabled). */
  Loading: 'loading',
  /** A generation is running. */
  Active: 'active',
  /** No generation is running because the last load failed (see its diagnostics). */
  Failed: 'failed',
  /** Switched off by `plugin/disable`; its last state is kept. */
  Disabled: 'disabled',
} as const;
export type PluginStatus = (typeof PluginStatus)[keyof typeof PluginStatus];

/** Why a reload ran, as `plugin/didReload` reports it. */
export const ReloadTrigger = {
  /** A file in the plugin's bundle changed on disk. */
  File: 'file',
  /** A client asked (`plugin/reload`, `plugin/enable`). */
  Request: 'request',
  /** A plugin this one depends on was reloaded. */
  Dependency: 'dependency',
  /** The first load, when the daemon starts or the plugin appears. */
  Startup: 'startup',
  /** Loaded again, with its last snapshot, after its plugin host had to be restarted. */
  Recovery: 'recovery',
} as const;
export type ReloadTrigger = (typeof ReloadTrigger)[keyof typeof ReloadTrigger];

export const PluginStatusSchema = z.enum([
  PluginStatus.Loading,
  PluginStatus.Active,
  PluginStatus.Failed,
  PluginStatus.Disabled,
]);
export const ReloadTriggerSchema = z.enum([
  ReloadTrigger.File,
  ReloadTrigger.Request,
  ReloadTrigger.Dependency,
  ReloadTrigger.Startup,
  ReloadTrigger.Recovery,
]);

/** Where a plugin's code runs: the shared plugin host, a worker thread of its own, a process of its own. */
export const PluginIsolationSchema = z.enum(['shared', 'dedicated', 'process']);
export type PluginIsolation = z.infer<typeof PluginIsolationSchema>;

/**
 * The name of the plugin host a plugin runs in, as `daemon/status` lists hosts: `shared`,
 * `plugin:ID` for a worker thread of its own, `process:ID` for a process of its own.
 */
export function hostName(plugin: { id: string; isolation: PluginIsolation }): string {
  if (plugin.isolation === 'process') return `process:${plugin.id}`;
  return plugin.isolation === 'dedicated' ? `plugin:${plugin.id}` : 'shared';
}

/** The client whose request started a reload: its `id` in `daemon/status`'s clients, and its name. */
export const RequestedBySchema = z.object({
  clientId: z.number().int(),
  name: z.string().optional(),
});
export type RequestedBy = z.infer<typeof RequestedBySchema>;
