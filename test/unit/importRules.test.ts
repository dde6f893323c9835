import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/paths.js';

/**
 * The import rules the source states in words, checked: what a file loads at run time (`import
 * type` is erased, so it does not count), followed through relative imports.
 */

const SRC = path.join(ROOT, 'src');
const RUNTIME_IMPORT = /^\s*(?:import|export)\s+(?!type\b)(?:[^;]*?\sfrom\s+)?'([^']+)'/gm;

/** Every module `entry` loads at run time: relative files (as src paths) and packages. */
function runtimeImports(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(RUNTIME_IMPORT)) {
      if (!spec) continue;
      if (spec.startsWith('.'))
        visit(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec);
    }
  };
  visit(entry);
  return { files, packages };
}

describe('import rules', () => {
  it('src/protocol imports only zod and itself, so a client can depend on it alone', () => {
    const dir = path.join(SRC, 'protocol');
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      const { files, packages } = runtimeImports(path.join(dir, name));
      expect(
        [...packages].filter((p) => p !== 'zod'),
        name,
      ).toEqual([]);
      expect(
        [...files].filter((f) => path.dirname(f) !== dir),
        name,
      ).toEqual([]);
    }
  });

  it('the plugin host loads no zod and no transport: it starts in every worker', () => {
    const { files, packages } = runtimeImports(path.join(SRC, 'daemon', 'worker', 'hostWorker.ts'));
    expect(files.size).toBeGreaterThan(5); // the walk did follow the host's imports
    expect([...packages]).not.toContain('zod');
    expect(
      [...packages].filter((p) => /vscode-jsonrpc|^ws$|chokidar|esbuild|pino/.test(p)),
    ).toEqual([]);
  });
});
