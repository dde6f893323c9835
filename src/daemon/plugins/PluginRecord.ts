import type { PluginStatus, ReloadTrigger } from '../../protocol/index.js';
import type { PluginBundle } from '../building/PluginBuilder.js';
import type { RemoteGeneration } from '../hosts/RemoteGeneration.js';
import type { InvalidPlugin, PluginDescriptor } from './pluginFolder.js';

/** The daemon's book-keeping for one plugin, alive or not. */
export interface PluginRecord {
  descriptor: PluginDescriptor;
  status: PluginStatus;
  /** The generation running now, if any. Never two at once. */
  generation?: RemoteGeneration;
  /** Number of the running generation, or of the last one that ran (0: none ever ran). */
  generationNumber: number;
  /** What the running generation was built from, to bring it back if its successor fails. */
  lastGood?: { descriptor: PluginDescriptor; bundle: PluginBundle };
  /** Files the last build read (or tried to), absolute. */
  inputs: Set<string>;
  failedBuild: boolean;
  /** Set when the folder could not be read as a plugin (bad manifest). */
  invalid?: InvalidPlugin;
  lastReload?: { at: Date; ok: boolean; durationMs: number; trigger: ReloadTrigger };
}
