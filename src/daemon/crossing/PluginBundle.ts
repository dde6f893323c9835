import type { MappedBundle } from './sourceLocation.js';

/**
 * One build of a plugin: CommonJS code for a fresh realm, its source map and its input files.
 * The daemon builds it; the plugin host evaluates it and maps stack traces through it.
 */
export interface PluginBundle extends MappedBundle {
  code: string;
  /** Every file the bundle was made from (absolute paths), outside node_modules. */
  inputs: string[];
}
