import { z } from 'zod';
import { NoParams, request } from './define.js';

export const ReloadStatistics = z.object({
  /** Reloads after startup (file, request and dependency triggers). */
  count: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  /** succeeded / count, between 0 and 1; null before the first reload. */
  successRate: z.number().nullable(),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
});
export type ReloadStatistics = z.infer<typeof ReloadStatistics>;

export const DaemonStatus = request(
  'daemon/status',
  NoParams,
  z.object({
    version: z.string(),
    pid: z.number().int(),
    uptimeMs: z.number(),
    pluginsDir: z.string(),
    hotReload: z.boolean(),
    /** Files changed while hot reload was off; they reload when it is switched back on. */
    heldChanges: z.number().int(),
    plugins: z.object({
      total: z.number().int(),
      loading: z.number().int(),
      active: z.number().int(),
      failed: z.number().int(),
      disabled: z.number().int(),
    }),
    reloads: ReloadStatistics,
  }),
);

export const DaemonSetHotReload = request(
  'daemon/setHotReload',
  z.object({ enabled: z.boolean() }),
  z.object({ enabled: z.boolean() }),
);
