import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { convertCharacter, PositionEncoding } from '../../protocol/index.js';
import type { PluginBundle } from '../crossing/PluginBundle.js';
import type { PluginDescriptor } from '../crossing/PluginDescriptor.js';
import { codeFrameAt, type SourceLocation, visibleRange } from '../crossing/sourceLocation.js';

export interface BuildError extends Partial<SourceLocation> {
  message: string;
}

export type BuildOutcome = { ok: true; bundle: PluginBundle } | { ok: false; errors: BuildError[] };

const CONCURRENT_BUILDS = Math.max(2, os.availableParallelism());

/** Incremental builds kept at once: each holds its plugin's parsed files in esbuild's service. */
const MAX_CONTEXTS = 32;

/** Builds one esbuild build takes at most: the first of a hundred still comes soon. */
const MAX_BATCH = 16;

interface BuildRequest {
  plugin: PluginDescriptor;
  settle(outcome: BuildOutcome): void;
}

interface PluginContext {
  /** What the context was made for: a new entry needs a new context. */
  entry: string;
  context: esbuild.BuildContext<BuildOptions>;
}

type BuildOptions = esbuild.BuildOptions & { write: false; metafile: true };

/**
 * Bundles a plugin's entry and everything it imports (TypeScript included) with esbuild. The
 * metafile gives the exact set of files the plugin depends on, which is what the watcher maps
 * changes through; build errors keep their file, line and column.
 *
 * A plugin's first load is one plain build; from its first reload on it has an esbuild context,
 * whose `rebuild()` parses again only the files that changed. A plugin never edited costs no
 * context, and only the most recently built plugins keep theirs. Builds that wait for a turn go
 * together (`startWaiting`): one build of many entries costs esbuild less than any of them alone.
 */
export class PluginBuilder {
  private readonly built = new Set<string>();
  /** Plugins whose last bundle was their entry alone, a JavaScript file: `transform` builds them. */
  private readonly singleFile = new Set<string>();
  /** Most recently built last. */
  private readonly contexts = new Map<string, PluginContext>();
  /** Plugins whose build is under way: their context is never disposed under them. */
  private readonly building = new Set<string>();
  private running = 0;
  /** Builds waiting for a turn, oldest first. */
  private readonly waiting: BuildRequest[] = [];

  build(plugin: PluginDescriptor): Promise<BuildOutcome> {
    return new Promise((settle) => {
      this.waiting.push({ plugin, settle });
      this.startWaiting();
    });
  }

  /**
   * Builds run at most one per core: with a hundred plugins starting at once, the first ones are
   * built (and go on to load and activate) first, instead of all finishing together at the end.
   * A turn takes the oldest build and, when others wait (a module many plugins import, saved; a
   * start), up to MAX_BATCH of them with it, as one esbuild build of many entries: one trip to
   * esbuild's service, and each file they share read once.
   */
  private startWaiting(): void {
    while (this.running < CONCURRENT_BUILDS && this.waiting.length > 0) {
      const first = this.waiting.shift() as BuildRequest;
      const batch = [first];
      if (this.bundled(first.plugin)) {
        for (let i = 0; i < this.waiting.length && batch.length < MAX_BATCH; ) {
          const request = this.waiting[i] as BuildRequest;
          if (this.bundled(request.plugin)) batch.push(...this.waiting.splice(i, 1));
          else i += 1;
        }
      }
      this.running += 1;
      const built =
        batch.length === 1
          ? this.buildNow(first.plugin).then((outcome) => [outcome])
          : this.buildTogether(batch);
      built
        .then(
          (outcomes) => {
            for (const [i, request] of batch.entries()) request.settle(outcomes[i] as BuildOutcome);
          },
          (failure: unknown) => {
            // buildNow and buildTogether turn esbuild's failures into outcomes: this is a bug.
            const errors = [{ message: `the build failed: ${String(failure)}` }];
            for (const request of batch) request.settle({ ok: false, errors });
          },
        )
        .finally(() => {
          this.running -= 1;
          this.startWaiting();
        })
        .catch(() => undefined);
    }
  }

  /** Whether the plugin's build is esbuild's bundle (not its one file's `transform`). */
  private bundled(plugin: PluginDescriptor): boolean {
    return !this.singleFile.has(plugin.id);
  }

  /**
   * Many plugins' bundles in one esbuild build, each its own entry and output, exactly as each
   * alone would be (the same options, the output beside its entry). A build with an error in any
   * of them produces none: then each is built alone, for its own errors.
   */
  private async buildTogether(batch: BuildRequest[]): Promise<BuildOutcome[]> {
    const roots = batch.map(({ plugin }) => path.dirname(plugin.entry));
    const workingDir = commonFolder(roots);
    let result: esbuild.BuildResult<BuildOptions>;
    try {
      const { outfile: _one, ...options } = buildOptions(
        batch[0]?.plugin as PluginDescriptor,
        workingDir,
      );
      result = await esbuild.build({
        ...options,
        entryPoints: batch.map(({ plugin }, i) => ({
          in: plugin.entry,
          out: path.relative(workingDir, outputBase(plugin, roots[i] as string)),
        })),
        outdir: workingDir,
      });
    } catch {
      const alone: BuildOutcome[] = [];
      for (const { plugin } of batch) alone.push(await this.buildNow(plugin));
      return alone;
    }
    return batch.map(({ plugin }, i) => {
      this.built.add(plugin.id);
      const sourceRoot = roots[i] as string;
      const base = outputBase(plugin, sourceRoot);
      const js = result.outputFiles.find((f) => f.path === `${base}.js`);
      const map = result.outputFiles.find((f) => f.path === `${base}.js.map`);
      const meta = result.metafile.outputs[path.relative(workingDir, `${base}.js`)];
      if (!js || !map || !meta)
        return { ok: false, errors: [{ message: 'esbuild produced no output' }] };
      const read = Object.keys(meta.inputs);
      return this.outcomeOf(plugin, sourceRoot, js.text, map.text, read, workingDir);
    });
  }

  private async buildNow(plugin: PluginDescriptor): Promise<BuildOutcome> {
    const sourceRoot = path.dirname(plugin.entry);
    if (this.singleFile.has(plugin.id)) {
      const alone = await this.transformAlone(plugin, sourceRoot);
      if (alone) return alone;
    }
    const options = buildOptions(plugin, sourceRoot);
    let result: esbuild.BuildResult<BuildOptions>;
    this.building.add(plugin.id);
    try {
      result = this.built.has(plugin.id)
        ? await (await this.contextFor(plugin, options)).rebuild()
        : await esbuild.build(options);
    } catch (failure) {
      return { ok: false, errors: toBuildErrors(failure, sourceRoot) };
    } finally {
      this.building.delete(plugin.id);
      this.built.add(plugin.id);
    }
    const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
    const map = result.outputFiles.find((f) => f.path.endsWith('.js.map'));
    if (!js || !map) return { ok: false, errors: [{ message: 'esbuild produced no output' }] };
    const read = Object.keys(result.metafile.inputs);
    return this.outcomeOf(plugin, sourceRoot, js.text, map.text, read, sourceRoot);
  }

  /**
   * A bundle and the files it was built from (`read`: as esbuild names them, relative to
   * `workingDir`); a plugin whose bundle was its entry alone is built by `transform` next time.
   */
  private outcomeOf(
    plugin: PluginDescriptor,
    sourceRoot: string,
    code: string,
    map: string,
    read: string[],
    workingDir: string,
  ): BuildOutcome {
    const inputs = read
      .filter((input) => !input.includes(':') || path.isAbsolute(input))
      .map((input) => path.resolve(workingDir, input))
      .filter((input) => !input.split(path.sep).includes('node_modules'));
    const alone = read.length === 1 && inputs[0] === plugin.entry;
    if (alone && TRANSFORMABLE.test(plugin.entry)) this.singleFile.add(plugin.id);
    else this.singleFile.delete(plugin.id);
    return { ok: true, bundle: bundleOf(plugin, sourceRoot, code, map, inputs) };
  }

  /**
   * A plugin whose bundle was its entry alone, and whose entry still imports nothing, needs no
   * bundler: esbuild's `transform` of the one file makes the same module, in less time. Undefined
   * when the file now reads as if it imported something (then it is bundled, and its inputs
   * found again), or is gone.
   */
  private async transformAlone(
    plugin: PluginDescriptor,
    sourceRoot: string,
  ): Promise<BuildOutcome | undefined> {
    // A plugin's one file is small: read at once, not through the thread pool's round trip.
    const source = readSource(plugin.entry);
    if (source === undefined || MAY_IMPORT.test(source)) return undefined;
    try {
      const result = await esbuild.transform(source, {
        ...TRANSFORM_OPTIONS,
        sourcefile: path.relative(sourceRoot, plugin.entry),
      });
      return {
        ok: true,
        bundle: bundleOf(plugin, sourceRoot, result.code, result.map, [plugin.entry]),
      };
    } catch (failure) {
      return { ok: false, errors: toBuildErrors(failure, sourceRoot) };
    }
  }

  /** Starts esbuild's service now (it starts on the first build otherwise). */
  warmUp(): void {
    esbuild.transform('').catch(() => undefined);
  }

  /** The plugin is unloaded for good (removed, disabled): its incremental build goes. */
  async forget(pluginId: string): Promise<void> {
    this.built.delete(pluginId);
    this.singleFile.delete(pluginId);
    const kept = this.contexts.get(pluginId);
    this.contexts.delete(pluginId);
    await kept?.context.dispose();
  }

  async close(): Promise<void> {
    const kept = [...this.contexts.values()];
    this.contexts.clear();
    await Promise.all(kept.map((k) => k.context.dispose()));
  }

  private async contextFor(
    plugin: PluginDescriptor,
    options: BuildOptions,
  ): Promise<esbuild.BuildContext<BuildOptions>> {
    const kept = this.contexts.get(plugin.id);
    this.contexts.delete(plugin.id);
    if (kept && kept.entry === plugin.entry) {
      this.contexts.set(plugin.id, kept);
      return kept.context;
    }
    await kept?.context.dispose();
    const context = await esbuild.context(options);
    this.contexts.set(plugin.id, { entry: plugin.entry, context });
    for (const [id, old] of this.contexts) {
      if (this.contexts.size <= MAX_CONTEXTS) break;
      if (this.building.has(id)) continue;
      this.contexts.delete(id);
      await old.context.dispose();
    }
    return context;
  }
}

/** How the daemon calls esbuild for a plugin (also what bench/measures/typescript.mjs times). */
export function buildOptions(
  plugin: Pick<PluginDescriptor, 'id' | 'entry'>,
  sourceRoot: string,
): BuildOptions {
  return {
    entryPoints: [plugin.entry],
    // The output's name only places the source map's paths; each bundle gets its own name.
    outfile: `${outputBase(plugin, sourceRoot)}.js`,
    absWorkingDir: sourceRoot,
    bundle: true,
    write: false,
    metafile: true,
    ...MODULE,
  };
}

/** Where a plugin's bundle is said to be written (it never is: `write: false`), without `.js`. */
function outputBase(plugin: Pick<PluginDescriptor, 'id'>, sourceRoot: string): string {
  return path.join(sourceRoot, `__reloadd_${plugin.id}`);
}

/** The deepest folder that holds every one of `folders`. */
function commonFolder(folders: string[]): string {
  let common = folders[0] ?? path.sep;
  for (const folder of folders) {
    while (path.relative(common, folder).startsWith('..')) common = path.dirname(common);
  }
  return common;
}

/** The module every build makes of a plugin, bundled or not. */
const MODULE = {
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: 'external',
  // A debugger shows each generation's own text from here, even after the file has changed.
  sourcesContent: true,
  logLevel: 'silent',
} as const;

/** Entries `transform` may build alone: JavaScript, which no tsconfig.json changes. */
const TRANSFORMABLE = /\.(m|c)?js$/;

/**
 * Anything that could be an import (`import`, `require`, `export … from`, even in a comment or a
 * string): such a file is bundled, which finds what it imports.
 */
const MAY_IMPORT = /\bimport\b|\brequire\b|\bexport\s*\*|\}\s*from\s*['"`]/;

/** What `transform` is told: the module `buildOptions` makes of a file that imports nothing. */
const TRANSFORM_OPTIONS: esbuild.TransformOptions = { loader: 'js', ...MODULE };

function readSource(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function bundleOf(
  plugin: PluginDescriptor,
  sourceRoot: string,
  code: string,
  map: string,
  inputs: string[],
): PluginBundle {
  return {
    // The map rides along inline too: that is where a debugger attached to the host finds it.
    code: `${code}${inlineSourceMap(map)}`,
    map,
    filename: pathToFileURL(plugin.entry).href,
    sourceRoot,
    inputs,
  };
}

/**
 * A source map as V8 reads it from the end of a script. Its `sources` are relative to the
 * script's URL, whose folder is the entry's (the folder esbuild wrote them relative to).
 */
function inlineSourceMap(map: string): string {
  return `\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${Buffer.from(map).toString('base64')}\n`;
}

function toBuildErrors(failure: unknown, sourceRoot: string): BuildError[] {
  const messages = (failure as { errors?: esbuild.Message[] }).errors;
  if (!Array.isArray(messages) || messages.length === 0) {
    return [{ message: failure instanceof Error ? failure.message : String(failure) }];
  }
  return messages.map((m) => {
    if (!m.location) return { message: m.text };
    const { lineText, column, length } = m.location;
    const file = path.resolve(sourceRoot, m.location.file);
    // esbuild's lines are one-based and its columns zero-based UTF-8 bytes; ours are both
    // zero-based, and count UTF-16 code units.
    const line = m.location.line - 1;
    const start = convertCharacter(lineText, column, PositionEncoding.UTF8, PositionEncoding.UTF16);
    const end = convertCharacter(
      lineText,
      column + length,
      PositionEncoding.UTF8,
      PositionEncoding.UTF16,
    );
    const codeFrame = codeFrameAt(file, line, start);
    return {
      message: m.text,
      file,
      range: visibleRange(lineText, line, start, end),
      ...(codeFrame ? { codeFrame } : {}),
    };
  });
}
