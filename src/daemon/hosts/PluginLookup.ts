import type { PluginDescriptor } from '../crossing/PluginDescriptor.js';
import type { CallGate } from './CallGate.js';
import type { LoadedGenerations } from './LoadedGenerations.js';
import type { PluginCommands } from './PluginCommands.js';
import type { RemoteGeneration } from './RemoteGeneration.js';
import type { UnloadChecks } from './UnloadChecks.js';

/**
 * What the hosts' side reads of a plugin the daemon knows. The plugin's record
 * (plugins/PluginRecord.ts) is it: the one owner of everything live about the plugin, of which
 * these are the parts a call or a host's report reaches.
 */
export interface HostedPlugin {
  readonly id: string;
  /** What its manifest says (its dependencies and permissions). */
  readonly descriptor: PluginDescriptor;
  /** The generation running now, if any. */
  readonly generation: RemoteGeneration | undefined;
  /** Its generations in the plugin hosts, loaded and not yet unloaded. */
  readonly generations: LoadedGenerations;
  /** The commands its generations registered (CommandRoutes decides whose a name is). */
  readonly commands: PluginCommands;
  /** Its calls from outside, held while it is swapped; its waits for the editor. */
  readonly gate: CallGate;
  /** What its hosts reported of its unloaded generations. */
  readonly unloadChecks: UnloadChecks;
}

/** The daemon's plugins by id (the catalog): a plugin whose folder was removed is not found. */
export interface PluginLookup {
  get(id: string): HostedPlugin | undefined;
  all(): Iterable<HostedPlugin>;
}
