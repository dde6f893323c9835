import { type MappedBundle, originalPlace } from '../crossing/sourceLocation.js';
import type { StackFrame } from '../debugging/HostInspector.js';
import type { RemoteGeneration } from './RemoteGeneration.js';

/** Time a profile's answer may take over its duration (stopping the profiler, copying it). */
const PROFILE_MARGIN_MS = 5000;

/** A CPU profile of the host `generation` runs in, and its plugin's busiest functions in it. */
export async function profileGeneration(generation: RemoteGeneration, durationMs: number) {
  const profile = await generation.host.request(
    { op: 'profile', durationMs },
    durationMs + PROFILE_MARGIN_MS,
    'profile',
  );
  return {
    generation: generation.number,
    profile,
    topFrames: pluginFrames(profile, generation.bundle),
  };
}

/** The part of a `.cpuprofile` read here (Chrome DevTools' format, as V8 writes it). */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  }[];
  samples?: number[];
  timeDeltas?: number[];
}

/** A function of the plugin, in the file its author wrote. */
export interface PluginFrame {
  functionName: string;
  /** The plugin's own file, through the bundle's source map. */
  file: string;
  /** From 1, as editors count. */
  line: number;
}

export interface ProfiledFrame extends PluginFrame {
  selfMs: number;
}

/**
 * The frames of a host's stack (innermost first) that run `bundle`'s code, each placed where the
 * author wrote it (the line running in it, not the function's first). Pure.
 */
export function pluginStack(
  stack: { functionName: string; url: string; lineNumber: number; columnNumber: number }[],
  bundle: MappedBundle,
): PluginFrame[] {
  return stack.flatMap((frame) => {
    if (frame.url !== bundle.filename) return [];
    const place = originalPlace(bundle, frame.lineNumber + 1, frame.columnNumber);
    if (!place) return [];
    return [
      { functionName: frame.functionName || '(anonymous)', file: place.file, line: place.line + 1 },
    ];
  });
}

/**
 * Where a plugin's time went in a profile of its host: the self time of each function of the
 * plugin's running bundle (the host runs other plugins too), mapped back to the file the author
 * wrote, busiest first. Pure: the profile and the bundle in, the frames out.
 */
export function pluginFrames(profile: unknown, bundle: MappedBundle, most = 10): ProfiledFrame[] {
  const { nodes, samples = [], timeDeltas = [] } = profile as CpuProfile;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (timeDeltas[i] ?? 0));
  });
  const frames = new Map<string, ProfiledFrame>();
  // V8 names a script by its URL: the generation's (forGeneration).
  const url = bundle.filename;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame || frame.url !== url) continue;
    const place = originalPlace(bundle, frame.lineNumber + 1, frame.columnNumber);
    if (!place) continue;
    const name = frame.functionName || '(anonymous)';
    const key = `${name} ${place.file}:${place.line}`;
    const known = frames.get(key);
    if (known) known.selfMs += us / 1000;
    else
      frames.set(key, {
        functionName: name,
        file: place.file,
        line: place.line + 1,
        selfMs: us / 1000,
      });
  }
  return [...frames.values()]
    .map((f) => ({ ...f, selfMs: Math.round(f.selfMs * 100) / 100 }))
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, most);
}

/** The generation whose code is innermost on a stuck host's stack, and its frames there. */
export function innermost(
  stack: StackFrame[],
  generations: RemoteGeneration[],
): { pluginId: string; frames: PluginFrame[] } | undefined {
  for (const frame of stack) {
    const generation = generations.find((g) => g.bundle.filename === frame.url);
    if (generation)
      return {
        pluginId: generation.descriptor.id,
        frames: pluginStack(stack, generation.bundle).slice(0, 3),
      };
  }
  return undefined;
}
