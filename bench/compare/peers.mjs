// The compared tools that are not the project's own dependencies (Bun, Deno, hot-hook, dynohot).
// The bench installs each with npm into a folder of its own under `.bench-peers/` (ignored by git),
// once: later runs find it there. The npm packages `bun` and `deno` carry their binaries in
// optional packages for each platform, so a machine that reaches only npm's registry gets them too.
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import semver from 'semver';

const run = promisify(execFile);
const PEERS_DIR = fileURLToPath(new URL('../../.bench-peers/', import.meta.url));
/** npm fetches a few MB for each; a slow registry still answers within this. */
const INSTALL_TIMEOUT_MS = 300_000;

async function installedVersion(packageDir) {
  try {
    return JSON.parse(await readFile(path.join(packageDir, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

/** The first words of what went wrong: npm's error lines without its warnings and log path. */
const firstWords = (text) =>
  String(text ?? '')
    .trim()
    .split('\n')
    .filter((line) => line.trim() && !/npm (warn|notice)|complete log of this run|_logs/.test(line))
    .slice(0, 2)
    .join(' ');

/**
 * `name` at a version in `range`, installed if it is not there yet. Resolves with { version,
 * packageDir, bin (its `node_modules/.bin/<name>`) }; rejects with npm's own last words.
 */
export async function installPeer(name, range) {
  const prefix = path.join(PEERS_DIR, name);
  const packageDir = path.join(prefix, 'node_modules', name);
  const found = await installedVersion(packageDir);
  if (!found || !semver.satisfies(found, range)) {
    await mkdir(prefix, { recursive: true });
    // A package.json of its own, so that npm never takes the repository's for this folder's.
    await writeFile(path.join(prefix, 'package.json'), '{ "private": true }\n');
    try {
      await run(
        'npm',
        ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', prefix, `${name}@${range}`],
        { timeout: INSTALL_TIMEOUT_MS },
      );
    } catch (error) {
      throw new Error(`npm install ${name}@${range} failed: ${firstWords(error.stderr || error)}`);
    }
  }
  const version = await installedVersion(packageDir);
  if (!version) throw new Error(`npm install ${name}@${range} left no ${packageDir}`);
  return { version, packageDir, bin: path.join(prefix, 'node_modules', '.bin', name) };
}

/** Bun or Deno from npm: installed, and its binary answers `--version` on this machine. */
export async function installRuntime(name, range) {
  const peer = await installPeer(name, range);
  try {
    await run(peer.bin, ['--version'], { timeout: 30_000 });
  } catch (error) {
    throw new Error(
      `${name} ${peer.version} from npm does not run here: ${firstWords(error.stderr || error.message)}`,
    );
  }
  return peer;
}
