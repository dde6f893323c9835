import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { DiagnosticCodes } from '../../protocol/index.js';
import { describeZodError } from '../../protocol/validation.js';
import type { PluginDescriptor } from '../crossing/PluginDescriptor.js';
import { type Manifest, ManifestSchema, PluginIdSchema } from './manifest.js';

/** A plugin folder or file that could not be read as a plugin; it is listed as failed. */
export interface InvalidPlugin {
  id: string;
  root: string;
  manifestPath?: string;
  /** The file the problem is in, when it is neither the manifest nor the root (a Husk entry). */
  file?: string;
  message: string;
  code: string;
}

export type DiscoveredEntry =
  | { kind: 'plugin'; descriptor: PluginDescriptor }
  | { kind: 'invalid'; invalid: InvalidPlugin };

/** The files a plugin folder's manifest may be, in the order they are read: the first found is it. */
export const MANIFEST_FILES = ['plugin.json', 'package.json'] as const;

const SINGLE_FILE = /^(.+)\.(js|mjs|cjs|ts|mts)$/;
const DEFAULT_MAINS = ['index.ts', 'index.js', 'index.mjs', 'src/index.ts', 'src/index.js'];
/** The Red editor's own plugin language since its commit 9fa163b: reloadd names it, never runs it. */
const HUSK_FILE = /^(.+)\.hk$/;
const HUSK_MAIN = 'index.hk';

/** Why a Husk plugin is not run, in words: what it is first, then what runs instead. */
export function huskRefusal(file: string): string {
  return `${path.basename(file)} is in Red's own plugin language since 9fa163b (Husk), which reloadd does not run: reloadd runs Red's JavaScript and TypeScript plugins (those of its commit cbe586a and before), so use the plugin's .js or .ts version, or move the .hk file out of the plugins folder`;
}

/** Files and folders starting with "." or "_" hold shared code or tooling, never a plugin. */
export function isIgnoredEntryName(name: string): boolean {
  return name.startsWith('.') || name.startsWith('_') || name === 'node_modules';
}

/**
 * Reads every plugin directly under `pluginsDir`. A Husk file (`name.hk`) beside a plugin of the
 * same id (`name.js`, as Red's own folder had while it moved to Husk) gives way to it: the
 * plugin that can run is the one listed.
 */
export async function discoverPlugins(
  pluginsDir: string,
  /** Told of each entry that is not listed, by name, and why. */
  notListed: (name: string, why: string) => void = () => undefined,
): Promise<DiscoveredEntry[]> {
  const names = (await readdir(pluginsDir)).sort();
  const entries = await Promise.all(names.map((name) => readPluginEntry(pluginsDir, name)));
  const runnable = new Set(entries.flatMap((e) => (e?.kind === 'plugin' ? [e.descriptor.id] : [])));
  const listed: DiscoveredEntry[] = [];
  names.forEach((name, i) => {
    const entry = entries[i];
    if (entry === undefined) {
      if (!isIgnoredEntryName(name) && !name.includes('.'))
        notListed(
          name,
          `${name}/ is not a plugin: it has no plugin.json or package.json, and no index.ts or index.js (shared code goes in a folder whose name starts with "_")`,
        );
    } else if (isHusk(entry) && runnable.has(entry.invalid.id))
      notListed(
        name,
        `${huskRefusal(name)}; the plugin "${entry.invalid.id}" beside it runs instead`,
      );
    else listed.push(entry);
  });
  return listed;
}

function isHusk(entry: DiscoveredEntry): entry is Extract<DiscoveredEntry, { kind: 'invalid' }> {
  return entry.kind === 'invalid' && entry.invalid.code === DiagnosticCodes.HuskPlugin;
}

/** Reads one top-level entry of the plugins folder; undefined when it is not a plugin (or gone). */
export async function readPluginEntry(
  pluginsDir: string,
  name: string,
): Promise<DiscoveredEntry | undefined> {
  if (isIgnoredEntryName(name) || name.endsWith('.d.ts')) return undefined;
  const full = path.join(pluginsDir, name);
  const info = await stat(full).catch(() => undefined);
  if (!info) return undefined;
  if (info.isFile()) return readSingleFilePlugin(full, name);
  if (info.isDirectory()) return readFolderPlugin(full, name);
  return undefined;
}

function readSingleFilePlugin(file: string, name: string): DiscoveredEntry | undefined {
  const husk = HUSK_FILE.exec(name)?.[1];
  if (husk !== undefined) return huskPlugin(husk, file, file);
  const match = SINGLE_FILE.exec(name);
  if (!match?.[1]) return undefined;
  const id = match[1];
  const valid = PluginIdSchema.safeParse(id);
  if (!valid.success) {
    return invalid(
      id,
      file,
      undefined,
      `plugin file name "${id}" ${describeZodError(valid.error)}`,
    );
  }
  return { kind: 'plugin', descriptor: bareDescriptor(id, file) };
}

/**
 * What a plugin without a manifest is: a single file (`root` and entry are that file), or a
 * folder that could not be read as a plugin, listed as failed under its name.
 */
export function bareDescriptor(id: string, root: string): PluginDescriptor {
  return {
    id,
    name: id,
    version: '0.0.0',
    root,
    entry: root,
    supportsHotReload: true,
    supportsDisable: true,
    isolation: 'shared',
    dependencies: {},
  };
}

/**
 * A folder with no manifest but an index file (index.ts, index.js…) is a plugin named after the
 * folder, with the manifest's defaults; with neither, it is not a plugin. Shared code that is not
 * a plugin lives in a folder whose name starts with `_`.
 */
async function readBareFolder(dir: string, name: string): Promise<DiscoveredEntry | undefined> {
  const entry = await resolveMain(dir, undefined);
  if (typeof entry !== 'string') {
    const husk = path.join(dir, HUSK_MAIN);
    return (await isFile(husk)) ? huskPlugin(name, dir, husk) : undefined;
  }
  const valid = PluginIdSchema.safeParse(name);
  if (!valid.success)
    return invalid(
      name,
      dir,
      undefined,
      `plugin folder name "${name}" ${describeZodError(valid.error)}`,
    );
  return { kind: 'plugin', descriptor: { ...bareDescriptor(name, dir), entry } };
}

async function readFolderPlugin(
  dir: string,
  folderName: string,
): Promise<DiscoveredEntry | undefined> {
  const found = await readManifestFile(dir);
  if (!found) return readBareFolder(dir, folderName);
  const { manifestPath, fields, packageInfo } = found;
  const fallbackId = folderName;
  if (fields instanceof Error) return invalid(fallbackId, dir, manifestPath, fields.message);

  const parsed = ManifestSchema.safeParse(fields);
  if (!parsed.success) {
    return invalid(
      idOrFallback(fields, fallbackId),
      dir,
      manifestPath,
      `invalid manifest ${path.basename(manifestPath)}: ${describeZodError(parsed.error)}`,
    );
  }
  const manifest: Manifest = parsed.data;
  const id = manifest.id ?? fallbackId;
  const idCheck = PluginIdSchema.safeParse(id);
  if (!idCheck.success) {
    return invalid(
      id,
      dir,
      manifestPath,
      `plugin folder name "${id}" ${describeZodError(idCheck.error)}`,
    );
  }
  const entry = await resolveMain(dir, manifest.main ?? packageInfo?.main);
  if (typeof entry !== 'string') return invalid(id, dir, manifestPath, entry.message);
  if (HUSK_FILE.test(entry)) return huskPlugin(id, dir, entry, manifestPath);
  const rewritable = manifest.permissions
    ? await grantOverManifest(dir, manifest.permissions.fs.write, manifestPath)
    : undefined;
  if (rewritable)
    return invalid(
      id,
      dir,
      manifestPath,
      `permissions.fs.write "${rewritable}" covers the plugin's own ${path.basename(manifestPath)}: it could write itself other permissions; grant a folder inside it ("cache", say) instead`,
    );

  return {
    kind: 'plugin',
    descriptor: {
      id,
      name: manifest.name ?? packageInfo?.name ?? id,
      version: packageInfo?.version ?? manifest.version,
      root: dir,
      entry,
      manifestPath,
      supportsHotReload: manifest.capabilities.supportsHotReload,
      supportsDisable: manifest.capabilities.supportsDisable,
      // A plugin with permissions runs where they can be enforced: a process of its own.
      isolation: manifest.permissions ? 'process' : (manifest.isolation ?? 'shared'),
      ...(manifest.isolation || manifest.permissions ? { isolationDeclared: true } : {}),
      ...(manifest.permissions
        ? {
            permissions: {
              fsRead: manifest.permissions.fs.read.map((p) => path.resolve(dir, p)),
              fsWrite: manifest.permissions.fs.write.map((p) => path.resolve(dir, p)),
              childProcess: manifest.permissions.childProcess,
              worker: manifest.permissions.worker,
              net: manifest.permissions.net,
              env: manifest.permissions.env,
              commands: manifest.permissions.commands,
              editor: manifest.permissions.editor,
            },
          }
        : {}),
      dependencies: manifest.dependencies,
      ...(manifest.stateVersion !== undefined ? { stateVersion: manifest.stateVersion } : {}),
      ...(manifest.verify ? { verify: manifest.verify } : {}),
      ...(manifest.watch ? { watch: manifest.watch } : {}),
    },
  };
}

interface ManifestFile {
  manifestPath: string;
  /** The reloadd fields, or the reason they could not be read. */
  fields: Record<string, unknown> | Error;
  /** For package.json: the package's own name, version and main, used as fallbacks. */
  packageInfo?: { name?: string; version?: string; main?: string };
}

async function readManifestFile(dir: string): Promise<ManifestFile | undefined> {
  for (const file of MANIFEST_FILES) {
    const manifestPath = path.join(dir, file);
    const text = await readFile(manifestPath, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      return {
        manifestPath,
        fields: new Error(`${file} is not valid JSON: ${(error as Error).message}`),
      };
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      return { manifestPath, fields: new Error(`${file} must hold a JSON object`) };
    }
    const object = json as Record<string, unknown>;
    if (file === 'plugin.json') return { manifestPath, fields: object };
    const own = object.reloadd;
    const fields =
      typeof own === 'object' && own !== null && !Array.isArray(own)
        ? (own as Record<string, unknown>)
        : {};
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    return {
      manifestPath,
      fields,
      packageInfo: { name: str(object.name), version: str(object.version), main: str(object.main) },
    };
  }
  return undefined;
}

async function resolveMain(dir: string, main: string | undefined): Promise<string | Error> {
  if (main !== undefined) {
    const entry = path.resolve(dir, main);
    const relative = path.relative(dir, entry);
    if (relative.startsWith('..') || path.isAbsolute(relative)) {
      return new Error(`"main" (${main}) must stay inside the plugin folder`);
    }
    return (await isFile(entry)) ? entry : new Error(`"main" (${main}) does not exist`);
  }
  for (const candidate of DEFAULT_MAINS) {
    const entry = path.join(dir, candidate);
    if (await isFile(entry)) return entry;
  }
  return new Error(`no "main" in the manifest and none of ${DEFAULT_MAINS.join(', ')} exists`);
}

function isFile(file: string): Promise<boolean> {
  return stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

function idOrFallback(fields: Record<string, unknown>, fallback: string): string {
  const id = PluginIdSchema.safeParse(fields.id);
  return id.success ? id.data : fallback;
}

function invalid(
  id: string,
  root: string,
  manifestPath: string | undefined,
  message: string,
  code: string = DiagnosticCodes.ManifestInvalid,
  file?: string,
): DiscoveredEntry {
  return {
    kind: 'invalid',
    invalid: {
      id,
      root,
      ...(manifestPath ? { manifestPath } : {}),
      ...(file ? { file } : {}),
      message,
      code,
    },
  };
}

/** A Husk plugin, listed as not runnable: its diagnostic is on the `.hk` file itself. */
function huskPlugin(
  id: string,
  root: string,
  huskFile: string,
  manifestPath?: string,
): DiscoveredEntry {
  return invalid(
    id,
    root,
    manifestPath,
    huskRefusal(huskFile),
    DiagnosticCodes.HuskPlugin,
    huskFile,
  );
}

/**
 * The write grant, if any, that reaches the manifest itself (as the file system resolves both:
 * a link to the folder is the folder).
 */
async function grantOverManifest(
  dir: string,
  grants: readonly string[],
  manifestPath: string,
): Promise<string | undefined> {
  const manifest = await realpath(manifestPath).catch(() => manifestPath);
  for (const grant of grants) {
    const target = await realpath(path.resolve(dir, grant)).catch(() => path.resolve(dir, grant));
    if (
      manifest === target ||
      manifest.startsWith(target.endsWith(path.sep) ? target : target + path.sep)
    )
      return grant;
  }
  return undefined;
}
