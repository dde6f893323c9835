import { statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type * as TS from 'typescript';
import { codeFrameAt } from '../crossing/sourceLocation.js';
import type { TypeCheckReply, TypeCheckRequest, TypeProblem } from './typeCheckMessages.js';

/** The TypeScript compiler's API, as the type-check thread loads it. */
export type TypeScript = typeof TS;

/** Problems sent per check: a plugin with hundreds of errors shows the first ones. */
const MOST_PROBLEMS = 100;

/**
 * What a plugin is checked with: its folder's own tsconfig.json when it has one (the entry is
 * checked even when the config leaves it out), strict defaults otherwise, as a bundler reads
 * imports (esbuild bundles the plugin: `./util` finds `util.ts`). Never emits anything.
 */
export interface CompilerSettings {
  options: TS.CompilerOptions;
  rootNames: string[];
  /** Where relative paths and automatic `@types` are looked up from. */
  directory: string;
  config: string | null;
  /** What is wrong with the tsconfig.json itself. */
  problems: readonly TS.Diagnostic[];
}

export function compilerSettings(
  ts: TypeScript,
  request: TypeCheckRequest,
  /** The realm's globals (dist/plugin/realm.d.ts), for a project without Node's types. */
  realmTypes: string,
): CompilerSettings {
  const single = request.root === request.entry;
  const directory = single ? path.dirname(request.root) : request.root;
  const config = single ? undefined : path.join(request.root, 'tsconfig.json');
  // Without a config, what the plugin's code may use is what its realm has: Node's types when its
  // project has them, else the realm's own declaration.
  const defaults = (problems: readonly TS.Diagnostic[]): CompilerSettings => ({
    options: defaultOptions(ts),
    rootNames: hasNodeTypes(ts, directory) ? [request.entry] : [request.entry, realmTypes],
    directory,
    config: config !== undefined && ts.sys.fileExists(config) ? config : null,
    problems,
  });
  if (config === undefined || !ts.sys.fileExists(config)) return defaults([]);
  const read = ts.readConfigFile(config, ts.sys.readFile);
  if (read.error) return defaults([read.error]);
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, directory, undefined, config);
  return {
    options: { ...parsed.options, noEmit: true },
    rootNames: [...new Set([...parsed.fileNames, request.entry])],
    directory,
    config,
    // "No inputs were found": the entry is checked whatever the config includes.
    problems: parsed.errors.filter((d) => d.code !== NO_INPUTS),
  };
}

const NO_INPUTS = 18003;

/** Whether `@types/node` is found from `directory` up, as TypeScript finds automatic types. */
function hasNodeTypes(ts: TypeScript, directory: string): boolean {
  for (let dir = directory; ; dir = path.dirname(dir)) {
    if (ts.sys.fileExists(path.join(dir, 'node_modules', '@types', 'node', 'package.json')))
      return true;
    if (path.dirname(dir) === dir) return false;
  }
}

function defaultOptions(ts: TypeScript): TS.CompilerOptions {
  return {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2023.d.ts'],
    allowImportingTsExtensions: true,
    resolveJsonModule: true,
    esModuleInterop: true,
    isolatedModules: true,
    skipLibCheck: true,
  };
}

interface PluginProgram {
  service: TS.LanguageService;
  settings: CompilerSettings;
  resolutions: TS.ModuleResolutionCache;
}

/**
 * Each plugin's TypeScript language service, kept from one check to the next: a check after a
 * save parses again only the files that changed. The library files are parsed once for all
 * plugins (one document registry). Runs in the type-check thread, one check at a time.
 */
export class PluginPrograms {
  private readonly registry: TS.DocumentRegistry;
  private readonly programs = new Map<string, PluginProgram>();

  constructor(
    private readonly ts: TypeScript,
    /** `reloadd/plugin`'s declaration, for a plugin whose imports do not find reloadd. */
    private readonly pluginTypes: string,
    /** True once the daemon dropped the check that runs now. */
    private readonly isDropped: () => boolean,
  ) {
    this.registry = ts.createDocumentRegistry(ts.sys.useCaseSensitiveFileNames);
  }

  check(request: TypeCheckRequest): TypeCheckReply {
    const started = performance.now();
    try {
      const program = this.programFor(request);
      const { service, settings } = program;
      program.resolutions.clear();
      const problems: TS.Diagnostic[] = [
        ...settings.problems,
        ...service.getCompilerOptionsDiagnostics(),
      ];
      const checked = service.getProgram();
      let files = 0;
      for (const file of checked?.getSourceFiles() ?? []) {
        if (file.isDeclarationFile || isPackageFile(file.fileName)) continue;
        files += 1;
        problems.push(...service.getSemanticDiagnostics(file.fileName));
      }
      return {
        kind: 'checked',
        check: request.check,
        problems: problems.slice(0, MOST_PROBLEMS).map((d) => this.describe(d)),
        unsent: Math.max(0, problems.length - MOST_PROBLEMS),
        config: settings.config,
        files,
        ms: Math.round(performance.now() - started),
      };
    } catch (error) {
      if (error instanceof this.ts.OperationCanceledException)
        return { kind: 'cancelled', check: request.check };
      return {
        kind: 'failed',
        check: request.check,
        message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      };
    }
  }

  /** The plugin is gone, or moved: its service goes. */
  forget(pluginId: string): void {
    this.programs.get(pluginId)?.service.dispose();
    this.programs.delete(pluginId);
  }

  private programFor(request: TypeCheckRequest): PluginProgram {
    const settings = compilerSettings(
      this.ts,
      request,
      path.join(path.dirname(this.pluginTypes), 'realm.d.ts'),
    );
    const kept = this.programs.get(request.pluginId);
    if (kept && kept.settings.directory === settings.directory) {
      if (JSON.stringify(kept.settings.options) !== JSON.stringify(settings.options))
        kept.resolutions = this.resolutionCache(settings);
      kept.settings = settings;
      return kept;
    }
    if (kept) this.forget(request.pluginId);
    const program: PluginProgram = {
      settings,
      resolutions: this.resolutionCache(settings),
      service: undefined as unknown as TS.LanguageService,
    };
    program.service = this.ts.createLanguageService(this.host(program), this.registry);
    this.programs.set(request.pluginId, program);
    return program;
  }

  private resolutionCache(settings: CompilerSettings): TS.ModuleResolutionCache {
    return this.ts.createModuleResolutionCache(settings.directory, (f) => f, settings.options);
  }

  private host(program: PluginProgram): TS.LanguageServiceHost {
    const { ts } = this;
    const sys = ts.sys;
    return {
      getCompilationSettings: () => program.settings.options,
      getScriptFileNames: () => program.settings.rootNames,
      // A file's version is its modification time and size: what a save changes.
      getScriptVersion: (file) => {
        const info = statSync(file, { throwIfNoEntry: false, bigint: true });
        return info ? `${info.mtimeNs}:${info.size}` : 'missing';
      },
      getScriptSnapshot: (file) => {
        const text = sys.readFile(file);
        return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      },
      getCurrentDirectory: () => program.settings.directory,
      getDefaultLibFileName: (options) => ts.getDefaultLibFilePath(options),
      fileExists: (file) => sys.fileExists(file),
      readFile: (file, encoding) => sys.readFile(file, encoding),
      readDirectory: (...args) => sys.readDirectory(...args),
      directoryExists: (dir) => sys.directoryExists(dir),
      getDirectories: (dir) => sys.getDirectories(dir),
      realpath: (file) => sys.realpath?.(file) ?? file,
      useCaseSensitiveFileNames: () => sys.useCaseSensitiveFileNames,
      getCancellationToken: () => ({ isCancellationRequested: this.isDropped }),
      resolveModuleNameLiterals: (literals, containingFile, redirected, options, sourceFile) =>
        literals.map((literal) =>
          this.resolve(
            literal.text,
            containingFile,
            options,
            program.resolutions,
            redirected,
            ts.getModeForUsageLocation(sourceFile, literal, options),
          ),
        ),
    };
  }

  /**
   * As TypeScript resolves it; `reloadd/plugin`, when the plugin's folder does not have reloadd
   * installed, is the declaration of the reloadd that runs it.
   */
  private resolve(
    name: string,
    containingFile: string,
    options: TS.CompilerOptions,
    cache: TS.ModuleResolutionCache,
    redirected: TS.ResolvedProjectReference | undefined,
    mode: TS.ResolutionMode,
  ): TS.ResolvedModuleWithFailedLookupLocations {
    const { ts } = this;
    const found = ts.resolveModuleName(
      name,
      containingFile,
      options,
      ts.sys,
      cache,
      redirected,
      mode,
    );
    if (found.resolvedModule || name !== 'reloadd/plugin') return found;
    return {
      resolvedModule: {
        resolvedFileName: this.pluginTypes,
        extension: ts.Extension.Dts,
        isExternalLibraryImport: true,
      },
    };
  }

  private describe(diagnostic: TS.Diagnostic): TypeProblem {
    const message = `TS${diagnostic.code}: ${this.ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
    const { file, start } = diagnostic;
    if (!file || start === undefined) return { message };
    const from = file.getLineAndCharacterOfPosition(start);
    const to = file.getLineAndCharacterOfPosition(start + (diagnostic.length ?? 0));
    const codeFrame = codeFrameAt(file.fileName, from.line, from.character, file.text);
    return {
      message,
      file: path.resolve(file.fileName),
      range: { start: from, end: to },
      ...(codeFrame ? { codeFrame } : {}),
    };
  }
}

/** A file of an installed package: its errors are its authors'. */
function isPackageFile(file: string): boolean {
  return file.split(/[\\/]/).includes('node_modules');
}
