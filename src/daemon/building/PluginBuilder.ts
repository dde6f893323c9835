import path from 'node:path';
import * as esbuild from 'esbuild';
import type { PluginBundle } from '../crossing/PluginBundle.js';
import type { PluginDescriptor } from '../crossing/PluginDescriptor.js';
import { codeFrameAt, pointRange, type SourceLocation } from '../crossing/sourceLocation.js';

export interface BuildError extends Partial<SourceLocation> {
  message: string;
}

export type BuildOutcome = { ok: true; bundle: PluginBundle } | { ok: false; errors: BuildError[] };

/**
 * Bundles a plugin's entry and everything it imports (TypeScript included) with esbuild. The
 * metafile gives the exact set of files the plugin depends on, which is what the watcher maps
 * changes through; build errors keep their file, line and column.
 */
export class PluginBuilder {
  private builds = 0;

  async build(plugin: PluginDescriptor): Promise<BuildOutcome> {
    const sourceRoot = path.dirname(plugin.entry);
    // A fresh virtual name per build, so stack traces of two generations never mix.
    this.builds += 1;
    const outfile = path.join(sourceRoot, `__reloadd_${plugin.id}_${this.builds}.js`);
    let result: esbuild.BuildResult<{ write: false; metafile: true }>;
    try {
      result = await esbuild.build({
        entryPoints: [plugin.entry],
        outfile,
        absWorkingDir: sourceRoot,
        bundle: true,
        write: false,
        metafile: true,
        format: 'cjs',
        platform: 'node',
        target: 'node20',
        sourcemap: 'external',
        sourcesContent: false,
        logLevel: 'silent',
      });
    } catch (failure) {
      return { ok: false, errors: toBuildErrors(failure, sourceRoot) };
    }
    const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
    const map = result.outputFiles.find((f) => f.path.endsWith('.js.map'));
    if (!js || !map) return { ok: false, errors: [{ message: 'esbuild produced no output' }] };
    const inputs = Object.keys(result.metafile.inputs)
      .filter((input) => !input.includes(':') || path.isAbsolute(input))
      .map((input) => path.resolve(sourceRoot, input))
      .filter((input) => !input.split(path.sep).includes('node_modules'));
    return {
      ok: true,
      bundle: { code: js.text, map: map.text, filename: outfile, sourceRoot, inputs },
    };
  }
}

function toBuildErrors(failure: unknown, sourceRoot: string): BuildError[] {
  const messages = (failure as { errors?: esbuild.Message[] }).errors;
  if (!Array.isArray(messages) || messages.length === 0) {
    return [{ message: failure instanceof Error ? failure.message : String(failure) }];
  }
  return messages.map((m) => {
    if (!m.location) return { message: m.text };
    const file = path.resolve(sourceRoot, m.location.file);
    // esbuild's lines are one-based and its columns zero-based; ours are both zero-based.
    const line = m.location.line - 1;
    const codeFrame = codeFrameAt(file, line, m.location.column);
    return {
      message: m.text,
      file,
      range: pointRange(line, m.location.column, m.location.length),
      ...(codeFrame ? { codeFrame } : {}),
    };
  });
}
