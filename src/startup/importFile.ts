/**
 * How the daemon's bundle imports a file by its URL at run time (an editor stand-in's script):
 * through its entry (codeCache.ts), since `import()` fails in code V8 took from its
 * cache. Run from the compiled modules (dist/daemon, the tests), there is no entry's, and
 * `import()` is the module's own.
 */
declare const __reloaddImport: ((specifier: string) => Promise<unknown>) | undefined;

export function importFile(href: string): Promise<unknown> {
  return typeof __reloaddImport === 'function' ? __reloaddImport(href) : import(href);
}
