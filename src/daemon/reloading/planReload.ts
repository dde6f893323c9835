import path from 'node:path';
import picomatch from 'picomatch';
import { ReloadTrigger } from '../../protocol/index.js';
import { isIgnoredEntryName, MANIFEST_FILES } from '../plugins/pluginFolder.js';

/**
 * Deciding what to reload is pure: changed files → plugins → dependency order. Running the
 * reloads is PluginRunner.run's job, one ReloadTransaction per plugin (as Vite's
 * propagateUpdate is apart from sending the updates).
 */

export interface FileChange {
  path: string;
  kind: 'add' | 'change' | 'unlink';
}

/** What the planner needs to know of one plugin. */
export interface PlanPlugin {
  id: string;
  /** Folder, or file for a single-file plugin. */
  root: string;
  manifestPath?: string;
  /** Absolute paths of the files its last bundle was made from. */
  inputs: ReadonlySet<string>;
  /** Globs relative to `root` of files it reads at run time (its manifest's and the config's). */
  watch?: readonly string[];
  /** True when its last build failed: then any change under its folder retries it. */
  failedBuild: boolean;
  dependencies: readonly string[];
}

export interface ChangeImpact {
  /** Top-level names in the plugins folder to read again (new, removed, manifest edited). */
  entries: string[];
  /** Plugins whose bundle includes a changed file, with those files. */
  plugins: Map<string, string[]>;
}

/**
 * Maps a batch of file changes to the plugins they touch and the entries to discover again. A
 * file touches a plugin when its bundle was made from it, or when it matches one of the
 * plugin's `watch` globs; a file that matches `ignore` (relative to the plugins folder) touches
 * nothing.
 */
export function impactOfChanges(
  changes: readonly FileChange[],
  plugins: readonly PlanPlugin[],
  pluginsDir: string,
  ignore: WatchPatterns = NO_PATTERNS,
): ChangeImpact {
  const entries = new Set<string>();
  const touched = new Map<string, string[]>();
  const byRoot = new Map(plugins.map((p) => [p.root, p]));

  for (const change of changes) {
    if (ignore.covers(path.relative(pluginsDir, change.path))) continue;
    const relative = path.relative(pluginsDir, change.path);
    const inside = relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
    if (inside) {
      const segments = relative.split(path.sep);
      const top = segments[0] as string;
      const owner = byRoot.get(path.join(pluginsDir, top));
      // A manifest is read again whatever the change is called: an editor that saves a new
      // plugin.json says "saved", not "created".
      const structural =
        !owner ||
        segments.length === 1 ||
        (segments.length === 2 &&
          (change.kind !== 'change' ||
            (MANIFEST_FILES as readonly string[]).includes(segments[1] as string)));
      if (structural && !isIgnoredEntryName(top)) entries.add(top);
    }
    for (const plugin of plugins) {
      const underRoot =
        change.path === plugin.root || change.path.startsWith(plugin.root + path.sep);
      const watched =
        underRoot &&
        plugin.watch !== undefined &&
        patterns(plugin.watch).matches(path.relative(plugin.root, change.path));
      if (plugin.inputs.has(change.path) || watched || (plugin.failedBuild && underRoot)) {
        const files = touched.get(plugin.id) ?? [];
        if (!files.includes(change.path)) files.push(change.path);
        touched.set(plugin.id, files);
      }
    }
  }
  return { entries: [...entries].sort(), plugins: touched };
}

/** A set of globs, compiled once (picomatch); paths are relative, with `/` or the platform's separator. */
export interface WatchPatterns {
  matches(relativePath: string): boolean;
  /** The path or a folder it is in matches, as `.gitignore` reads an ignored folder. */
  covers(relativePath: string): boolean;
}

const NO_PATTERNS: WatchPatterns = { matches: () => false, covers: () => false };
const compiled = new Map<string, WatchPatterns>();

/**
 * Globs as `.gitignore` and editors read them: one without a `/` matches a name at any depth
 * (`*.html`), one with a `/` matches from the folder it is relative to (`templates/**`).
 */
export function patterns(globs: readonly string[]): WatchPatterns {
  if (globs.length === 0) return NO_PATTERNS;
  const key = globs.join('\0');
  let found = compiled.get(key);
  if (!found) {
    const byName = picomatch(
      globs.filter((g) => !g.includes('/')),
      { dot: true, basename: true },
    );
    const byPath = picomatch(
      globs.filter((g) => g.includes('/')),
      { dot: true },
    );
    const hasNames = globs.some((g) => !g.includes('/'));
    const hasPaths = globs.some((g) => g.includes('/'));
    const matches = (relativePath: string) => {
      const posix = relativePath.split(path.sep).join('/');
      return (hasNames && byName(posix)) || (hasPaths && byPath(posix));
    };
    found = {
      matches,
      covers: (relativePath) => {
        const segments = relativePath.split(path.sep);
        return segments.some((_, i) => matches(segments.slice(0, i + 1).join('/')));
      },
    };
    compiled.set(key, found);
  }
  return found;
}

export interface ReloadStep {
  id: string;
  trigger: ReloadTrigger;
  changedFiles?: string[];
  /** For a dependent: the plugins of this plan it depends on, whose reload brings it along. */
  causedBy?: string[];
}

export interface ReloadPlan {
  steps: ReloadStep[];
  /** Each dependency cycle found among the plugins in the plan, as a list of ids. */
  cycles: string[][];
}

/**
 * Orders the plugins to reload: the ones asked for, then every plugin that depends on them
 * (trigger "dependency"), dependencies always before their dependents. Plugins in a cycle are
 * reported and placed after the others, in id order.
 */
export function planReload(
  requested: ReadonlyMap<string, string[] | undefined>,
  trigger: ReloadTrigger,
  plugins: readonly Pick<PlanPlugin, 'id' | 'dependencies'>[],
): ReloadPlan {
  const known = new Map(plugins.map((p) => [p.id, p]));
  const dependents = new Map<string, string[]>();
  for (const p of plugins) {
    for (const dep of p.dependencies) {
      if (known.has(dep)) dependents.set(dep, [...(dependents.get(dep) ?? []), p.id]);
    }
  }

  const included = new Set<string>();
  const queue = [...requested.keys()].filter((id) => known.has(id));
  while (queue.length > 0) {
    const id = queue.shift() as string;
    if (included.has(id)) continue;
    included.add(id);
    queue.push(...(dependents.get(id) ?? []));
  }
  const causes = (id: string) =>
    (known.get(id)?.dependencies ?? []).filter((d) => included.has(d) && d !== id).sort();

  // Kahn's algorithm over the included plugins, in id order for a stable plan.
  const pending = new Map<string, number>();
  for (const id of included) {
    const deps = (known.get(id)?.dependencies ?? []).filter((d) => included.has(d) && d !== id);
    pending.set(id, deps.length);
  }
  const ready = [...included].filter((id) => pending.get(id) === 0).sort();
  const ordered: string[] = [];
  while (ready.length > 0) {
    const id = ready.shift() as string;
    ordered.push(id);
    for (const dependent of (dependents.get(id) ?? []).filter((d) => included.has(d)).sort()) {
      const left = (pending.get(dependent) ?? 0) - 1;
      pending.set(dependent, left);
      if (left === 0) {
        ready.push(dependent);
        ready.sort();
      }
    }
  }
  const cyclic = [...included].filter((id) => !ordered.includes(id)).sort();
  const cycles = findCycles(cyclic, known);

  return {
    steps: [...ordered, ...cyclic].map((id) => {
      const changedFiles = requested.get(id);
      if (!requested.has(id))
        return { id, trigger: ReloadTrigger.Dependency, causedBy: causes(id) };
      return { id, trigger, ...(changedFiles ? { changedFiles } : {}) };
    }),
    cycles,
  };
}

/** Groups the plugins left over by Kahn's algorithm into the cycles that hold them. */
function findCycles(
  ids: string[],
  known: Map<string, Pick<PlanPlugin, 'id' | 'dependencies'>>,
): string[][] {
  const left = new Set(ids);
  const cycles: string[][] = [];
  for (const start of ids) {
    if (!left.has(start)) continue;
    // Walk dependencies until a plugin repeats: the repeated stretch is a cycle.
    const pathIds: string[] = [];
    let current: string | undefined = start;
    while (current !== undefined && !pathIds.includes(current)) {
      pathIds.push(current);
      current = (known.get(current)?.dependencies ?? []).find((d) => left.has(d));
    }
    if (current === undefined) continue;
    const cycle = pathIds.slice(pathIds.indexOf(current));
    for (const id of cycle) left.delete(id);
    cycles.push(cycle);
  }
  return cycles;
}
