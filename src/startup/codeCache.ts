import { createHash } from 'node:crypto';
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { debuglog } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';

/**
 * How long a program runs before the code V8 compiled for it is written down: long enough that
 * the cache holds what starting compiled (the daemon's answer to `initialize`, its first
 * loads). A program that ends sooner (`reloadd --version`) writes none: its cache would hold less
 * than a daemon's, and the first cache written is the one kept.
 */
const WRITE_AFTER_MS = 2_000;

/** `NODE_DEBUG=reloadd` says what became of the cache at each start. */
const debug = debuglog('reloadd');

/** A cache file: the bundle's digest, then V8's data. */
const DIGEST_BYTES = 20;

/**
 * Runs reloadd's bundled program (`dist/cli.cjs`: the daemon and its CLI) with the code V8
 * compiled for it at an earlier start, kept beside the bundle as `<bundle>.cache`. Node 20
 * compiles an ES module afresh at every start and keeps no cache of it (its compile cache comes
 * in 22.1), and the daemon's bundle is 2 MB: compiling it was the largest part of a start's
 * profile (`node bench/cold-start-profile.mjs 0`) before an editor's `initialize` was answered.
 *
 * The cache is taken only for the very bundle it was made from: its first bytes are the bundle's
 * SHA-1, since V8 itself checks no more than the source's length. V8 checks its own version and
 * flags, and compiles afresh when they differ. A cache that is missing or refused is written
 * again, once the program has run a while, through a temporary file renamed into
 * place, so that daemons starting together never read half of one. Where reloadd's folder cannot
 * be written (a system-wide install), the program runs as it would have anyway.
 */
export function runBundle(bundle: URL): void {
  // V8 refuses a cache made under other flags, and its flags are the whole process's: a plugin
  // host turns on `gc` (for its unload checks) in the daemon's process, after the daemon has
  // compiled, and the cache written then would never be taken. So it is on from the start.
  setFlagsFromString('--expose-gc');
  const filename = fileURLToPath(bundle);
  const bytes = readFileSync(filename);
  const digest = createHash('sha1').update(bytes).digest();
  const cacheFile = `${filename}.cache`;
  const cached = readCache(cacheFile, digest);
  // Read as Latin-1, one byte a character: esbuild writes everything but comments in ASCII, and
  // a comment's other bytes stay in the comment (none decodes to a line break or `*/`).
  const script = new Script(wrapAsCommonJs(bytes.toString('latin1')), {
    filename,
    ...(typeof cached === 'string' ? {} : { cachedData: cached }),
  });
  const refused =
    typeof cached === 'string'
      ? cached
      : script.cachedDataRejected
        ? 'V8 refused it (another Node, other flags)'
        : undefined;
  if (refused === undefined) {
    debug('code cache taken: %s', cacheFile);
  } else {
    debug('no code cache taken, %s: %s', refused, cacheFile);
    keepCompiledCode(script, cacheFile, digest);
  }
  const module = { exports: {} };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run(
    module.exports,
    createRequire(filename),
    module,
    filename,
    path.dirname(filename),
    importFile,
  );
}

/**
 * `import()` for the bundle: Node 20 loses a script's way to import once V8 has taken its code
 * from the cache ("A dynamic import callback was not specified"), so the bundle imports through
 * this module, whose own `import()` always works.
 */
function importFile(specifier: string): Promise<unknown> {
  return import(specifier);
}

/** The cache's data for this bundle, or why there is none. */
function readCache(cacheFile: string, digest: Buffer): Buffer | string {
  let data: Buffer;
  try {
    data = readFileSync(cacheFile);
  } catch {
    return 'there is none';
  }
  return data.subarray(0, DIGEST_BYTES).equals(digest)
    ? data.subarray(DIGEST_BYTES)
    : 'it was made for another bundle';
}

/** CommonJS's own wrapper, so that the bundle sees the names a module does, and `importFile`. */
function wrapAsCommonJs(source: string): string {
  // A shebang is a comment only on a file's first line.
  const body = source.startsWith('#!') ? `//${source.slice(2)}` : source;
  return `(function (exports, require, module, __filename, __dirname, __reloaddImport) {${body}\n})`;
}

function keepCompiledCode(script: Script, cacheFile: string, digest: Buffer): void {
  const write = () => {
    const temporary = `${cacheFile}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    try {
      writeFileSync(temporary, Buffer.concat([digest, script.createCachedData()]));
      renameSync(temporary, cacheFile);
      debug('code cache written: %s', cacheFile);
    } catch (error) {
      // Not writable here: the next start compiles, as every start did without a cache.
      debug('code cache not written (%s): %s', (error as Error).message, cacheFile);
      try {
        unlinkSync(temporary);
      } catch {}
    }
  };
  setTimeout(write, WRITE_AFTER_MS).unref();
}
