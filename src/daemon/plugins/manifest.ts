import { z } from 'zod';
import { PluginIsolationSchema } from '../../protocol/index.js';

/**
 * Plugin ids name folders, state files and log streams, so they must not be able to climb out of a
 * folder: letters, digits, dots, dashes and underscores, starting with a letter or digit, no "..".
 * Reverse-DNS ids (com.example.my-plugin) pass.
 */
export const PluginIdSchema = z
  .string()
  .min(1)
  .max(214)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'may contain only letters, digits, ".", "-" and "_"')
  .refine((id) => !id.includes('..'), 'may not contain ".."');

const Capabilities = z
  .object({
    supportsHotReload: z.boolean().default(true),
    supportsDisable: z.boolean().default(true),
  })
  .strict();

/** `dependencies` maps plugin ids to semver ranges; an array of ids means "any version". */
const Dependencies = z
  .union([z.array(PluginIdSchema), z.record(PluginIdSchema, z.string())])
  .transform((deps) =>
    Array.isArray(deps) ? Object.fromEntries(deps.map((id) => [id, '*'])) : deps,
  );

/**
 * What `reloadd verify` does to the plugin between reloads, instead of running each command that
 * takes no arguments: these commands with these arguments, and these editor events.
 */
const VerifyScript = z
  .object({
    commands: z
      .array(
        z.object({ command: z.string().min(1), args: z.array(z.unknown()).default([]) }).strict(),
      )
      .default([]),
    events: z
      .array(z.object({ event: z.string().min(1), data: z.unknown().optional() }).strict())
      .default([]),
  })
  .strict();
export type VerifyScript = z.output<typeof VerifyScript>;

/**
 * What the plugin may do, when it says: its host then runs as a process under Node's permission
 * model, with these grants and nothing more. Paths are relative to the plugin's folder.
 */
const Permissions = z
  .object({
    fs: z
      .object({
        read: z.array(z.string().min(1)).default([]),
        write: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .default({ read: [], write: [] }),
    childProcess: z.boolean().default(false),
    worker: z.boolean().default(false),
    /** Sockets. Without it, the host has a network of its own with nothing in it (bubblewrap). */
    net: z.boolean().default(false),
    /** The daemon's environment variables the plugin may read (`SECRET_API_KEY`); no others. */
    env: z
      .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'))
      .default([]),
    /**
     * Commands of plugins it does not depend on that `ctx.commands.execute` may run; a
     * dependency's commands need no grant.
     */
    commands: z.array(z.string().min(1)).default([]),
    /**
     * Editor calls it may make (`getBufferText`, `insertText`, …): the editor opens, reads and
     * writes files with the user's rights, so each is a grant of its own.
     */
    editor: z.array(z.string().min(1)).default([]),
  })
  .strict();

/** The fields reloadd reads, from `plugin.json` or from the `reloadd` key of `package.json`. */
export const ManifestSchema = z.object({
  id: PluginIdSchema.optional(),
  name: z.string().min(1).optional(),
  version: z.string().min(1).default('0.0.0'),
  main: z.string().min(1).optional(),
  capabilities: Capabilities.default({ supportsHotReload: true, supportsDisable: true }),
  dependencies: Dependencies.default({}),
  /**
   * "dedicated": run in a plugin host (worker thread) of its own instead of the shared one;
   * "process": in a child process of its own, which nothing it does can take the daemon down with.
   */
  isolation: PluginIsolationSchema.optional(),
  /**
   * Bump it when the shape of saved state changes; see docs/reloading.md ("State: exactly when
   * you get it back").
   */
  stateVersion: z.number().int().min(0).optional(),
  verify: VerifyScript.optional(),
  permissions: Permissions.optional(),
  /**
   * Files the plugin reads at run time (templates, tables, stylesheets), as globs relative to its
   * folder: a change to one reloads it, as a change to a file of its bundle does.
   */
  watch: z.array(z.string().min(1)).optional(),
});
export type Manifest = z.output<typeof ManifestSchema>;
