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

/**
 * The bundle as one generation runs it. Its script is named by the author's entry file as a
 * URL, with the generation in the query: a debugger lists each generation apart, a breakpoint
 * set by URL pattern binds in every one, and stack traces of two generations never mix.
 */
export function forGeneration(bundle: PluginBundle, generation: number): PluginBundle {
  const url = new URL(bundle.filename);
  url.search = `generation=${generation}`;
  return { ...bundle, filename: url.href };
}
