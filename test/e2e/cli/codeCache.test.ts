import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/paths.js';

/**
 * reloadd's programs start from V8's code cache (src/startup/codeCache.ts), written beside each
 * bundle by a run that lasted long enough. V8 checks only the source's length against its cache:
 * a bundle rebuilt to the same length must not run the code of the one before.
 */
const run = promisify(execFile);
const CODE_CACHE = pathToFileURL(path.join(ROOT, 'dist', 'startup', 'codeCache.js')).href;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'reloadd-code-cache-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * A bundle that imports a module, prints its word, and lives until its cache is written (it
 * watches its folder for it), as a daemon would. Its import is what Node 20 loses in code V8
 * took from the cache; its comment holds bytes that are not ASCII, as the daemon's bundle does.
 */
function bundleSaying(word: string): string {
  return `#!/usr/bin/env node\n// A comment as esbuild keeps some — “quoted”, not ASCII: read as Latin-1, it stays one.\n__reloaddImport('node:os').then((os) => process.stdout.write(typeof os.cpus === 'function' ? ${JSON.stringify(word)} : 'no import'));\nconst cache = __filename + '.cache';\nconst fs = require('node:fs');\nconst watching = fs.watch(__dirname, () => { if (fs.existsSync(cache)) watching.close(); });\nif (fs.existsSync(cache)) watching.close();\n`;
}

/** What the bundle printed, and what the cache's debug log said of it (`NODE_DEBUG=reloadd`). */
async function runBundle(bundle: string): Promise<{ printed: string; said: string }> {
  const entry = path.join(dir, 'entry.mjs');
  await writeFile(
    entry,
    `import { runBundle } from ${JSON.stringify(CODE_CACHE)};\nrunBundle(new URL(${JSON.stringify(pathToFileURL(bundle).href)}));\n`,
  );
  const { stdout, stderr } = await run(process.execPath, [entry], {
    env: { ...process.env, NODE_DEBUG: 'reloadd' },
  });
  return { printed: stdout, said: stderr };
}

describe('the code cache', () => {
  it('is written by a run, taken by the next, and never for a bundle it was not made from', async () => {
    const bundle = path.join(dir, 'program.cjs');
    await writeFile(bundle, bundleSaying('first'));
    const first = await runBundle(bundle);
    expect(first.printed).toBe('first');
    expect(first.said).toContain('no code cache taken, there is none');
    expect(first.said).toContain('code cache written');
    const cache = await stat(`${bundle}.cache`);
    expect(cache.size).toBeGreaterThan(20);

    // The same bundle: the cache is taken, not written again.
    const second = await runBundle(bundle);
    expect(second.printed).toBe('first');
    expect(second.said).toContain('code cache taken');
    expect(second.said).not.toContain('no code cache taken');
    expect((await stat(`${bundle}.cache`)).mtimeMs).toBe(cache.mtimeMs);

    // Rebuilt to the very same length: V8 alone would take the cache and print "first".
    const rebuilt = bundleSaying('other');
    expect(rebuilt.length).toBe((await readFile(bundle, 'utf8')).length);
    await writeFile(bundle, rebuilt);
    const third = await runBundle(bundle);
    expect(third.printed).toBe('other');
    expect(third.said).toContain('no code cache taken, it was made for another bundle');
  });

  it('runs the bundle as it is where the cache cannot be read', async () => {
    const bundle = path.join(dir, 'program.cjs');
    await writeFile(bundle, bundleSaying('plain'));
    await writeFile(`${bundle}.cache`, 'not a cache at all');
    const { printed, said } = await runBundle(bundle);
    expect(printed).toBe('plain');
    expect(said).toContain('no code cache taken, it was made for another bundle');
  });
});
