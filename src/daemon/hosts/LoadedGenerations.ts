import type { GenerationHost, RemoteGeneration } from './RemoteGeneration.js';

/**
 * One plugin's generations in the plugin hosts, loaded and not yet unloaded (a reload holds two
 * for a moment; a plugin the manifest moved, two in two hosts), oldest first, and the "running"
 * slots its loads were given, so that a host that dies while one loads can name the plugin.
 */
export class LoadedGenerations {
  private readonly loaded: RemoteGeneration[] = [];
  private readonly slots = new Set<number>();

  /** A load into a host begins: code under `slot` is this plugin's, even before it is loaded. */
  beginLoad(slot: number): void {
    this.slots.add(slot);
  }

  add(generation: RemoteGeneration): void {
    this.loaded.push(generation);
  }

  /** It was unloaded, or its host died. */
  remove(generation: RemoteGeneration): void {
    const at = this.loaded.indexOf(generation);
    if (at >= 0) this.loaded.splice(at, 1);
    this.slots.delete(generation.slot);
  }

  /** Its generations in `host`, oldest first. */
  in(host: GenerationHost): RemoteGeneration[] {
    return this.loaded.filter((generation) => generation.host === host);
  }

  /** The newest: mid-swap, the generation coming in. */
  newest(): RemoteGeneration | undefined {
    return this.loaded.at(-1);
  }

  /** Whether code under `slot` (a host's "running" slot) is this plugin's. */
  ranUnder(slot: number): boolean {
    return this.slots.has(slot);
  }
}
