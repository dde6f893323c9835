import { readdir, stat } from 'node:fs/promises';
import { shownPath } from '../daemon/config/configFile.js';
import { isIgnoredEntryName, readPluginEntry } from '../daemon/plugins/pluginFolder.js';

/**
 * Where `reloadd new` writes a plugin: into the plugins folder in force, and never among files
 * that are not plugins, where `reloadd serve` and `reloadd verify` would take a project's own
 * `vitest.config.ts` for a plugin.
 */

/** A folder as `reloadd new` finds it. */
export interface FolderContents {
  /** Absolute. */
  path: string;
  kind: 'missing' | 'folder' | 'not a folder';
  /** Its entries that the daemon reads as plugins (a broken one included). */
  plugins: string[];
  /** Its entries that are not plugins, leaving out what the daemon passes over (`_shared`, `.git`, `node_modules`, `*.d.ts`). */
  others: string[];
}

export interface FolderCandidates {
  /** The current folder, which paths are shown relative to. */
  cwd: string;
  /** `--dir`. */
  flag?: FolderContents;
  /** The `plugins` of the config file found here, and that file as messages name it. */
  configured?: { folder: FolderContents; file: string };
  current: FolderContents;
  /** `./plugins`: the folder made when none is in force. */
  proposed: FolderContents;
}

export type FolderChoice = { folder: FolderContents; why: string } | { refusal: string };

/**
 * `--dir`; else the config file's `plugins`; else the current folder when it holds plugins and
 * nothing else; else `./plugins`, made if missing. Whichever it is must hold only plugins.
 */
export function choosePluginsFolder(candidates: FolderCandidates): FolderChoice {
  const { cwd, flag, configured, current, proposed } = candidates;
  const [folder, why] = flag
    ? [flag, '--dir']
    : configured
      ? [configured.folder, `the plugins folder of ${configured.file}`]
      : current.plugins.length > 0 && current.others.length === 0
        ? [current, 'this folder, which holds only plugins']
        : [proposed, proposed.kind === 'missing' ? 'a new plugins folder' : 'the plugins folder'];
  const shown = shownFolder(folder.path, cwd);
  const instead = flag ? 'name another' : 'name the plugins folder';
  if (folder.kind === 'not a folder')
    return { refusal: `${shown} (${why}) is not a folder; ${instead} with --dir DIR` };
  if (folder.others.length > 0) {
    const listed = folder.others.slice(0, 3).join(', ') + (folder.others.length > 3 ? ', …' : '');
    return {
      refusal: `${shown} (${why}) holds ${listed}, which ${folder.others.length === 1 ? 'is not a plugin' : 'are not plugins'}: it is no plugins folder, and reloadd serve and verify would read each of its files as a plugin; ${instead} with --dir DIR`,
    };
  }
  return { folder, why };
}

/** What is in `folder`, entry by entry, read as the daemon reads a plugins folder. */
export async function readFolder(folder: string): Promise<FolderContents> {
  const contents: FolderContents = { path: folder, kind: 'missing', plugins: [], others: [] };
  const info = await stat(folder).catch(() => undefined);
  if (!info) return contents;
  if (!info.isDirectory()) return { ...contents, kind: 'not a folder' };
  contents.kind = 'folder';
  for (const name of (await readdir(folder)).sort()) {
    if (isIgnoredEntryName(name) || name.endsWith('.d.ts')) continue;
    const entry = await readPluginEntry(folder, name);
    (entry ? contents.plugins : contents.others).push(name);
  }
  return contents;
}

/** A folder as the user types it from `cwd`: `.`, a path inside it, or an absolute one. */
export function shownFolder(folder: string, cwd: string): string {
  return folder === cwd ? '.' : shownPath(folder, cwd);
}
