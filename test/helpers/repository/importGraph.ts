import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** One import or re-export of a source file, as TypeScript parses it. */
export interface ImportEdge {
  from: string;
  /** An absolute path for a relative import, else the package specifier. */
  to: string;
  /** `import type` / `export type`: erased, nothing loads at run time. */
  typeOnly: boolean;
  relative: boolean;
}

/** Every .ts and .tsx file under `dir`, absolute. */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (/\.tsx?$/.test(name)) out.push(full);
  }
  return out;
}

/**
 * The imports of one file. Under `verbatimModuleSyntax`, `import { type A } from 'x'` still loads
 * 'x' (it becomes `import {} from 'x'`): only a clause marked `type` as a whole is erased.
 */
export function importsOf(file: string): ImportEdge[] {
  const kind = file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const source = ts.createSourceFile(
    file,
    readFileSync(file, 'utf8'),
    ts.ScriptTarget.Latest,
    false,
    kind,
  );
  const edges: ImportEdge[] = [];
  for (const statement of source.statements) {
    let specifier: ts.Expression | undefined;
    let typeOnly = false;
    if (ts.isImportDeclaration(statement)) {
      specifier = statement.moduleSpecifier;
      typeOnly = statement.importClause?.isTypeOnly ?? false;
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier) {
      specifier = statement.moduleSpecifier;
      typeOnly = statement.isTypeOnly;
    }
    if (!specifier || !ts.isStringLiteral(specifier)) continue;
    const text = specifier.text;
    const relative = text.startsWith('.');
    edges.push({
      from: file,
      to: relative ? resolveSource(path.resolve(path.dirname(file), text)) : text,
      typeOnly,
      relative,
    });
  }
  return edges;
}

/** `./x.js` as the source file it is compiled from: x.ts, or x.tsx for the dashboard's views. */
function resolveSource(target: string): string {
  const ts = target.replace(/\.js$/, '.ts');
  return existsSync(ts) ? ts : target.replace(/\.js$/, '.tsx');
}

/** Every edge of every file under `dir`. */
export function importGraph(dir: string): ImportEdge[] {
  return sourceFiles(dir).flatMap(importsOf);
}

/** What `entry` reaches, following relative imports (only run-time ones, with `runtimeOnly`). */
export function reachable(
  entry: string,
  options: { runtimeOnly: boolean },
): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const edge of importsOf(file)) {
      if (options.runtimeOnly && edge.typeOnly) continue;
      if (edge.relative) visit(edge.to);
      else packages.add(edge.to);
    }
  };
  visit(entry);
  return { files, packages };
}

/** The cycles of a directed graph (its strongly connected components of more than one node). */
export function cycles(edges: readonly { from: string; to: string }[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to]);
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  // Tarjan's algorithm.
  const connect = (node: string) => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const to of next.get(node) ?? []) {
      if (!index.has(to)) {
        connect(to);
        low.set(node, Math.min(low.get(node) as number, low.get(to) as number));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node) as number, index.get(to) as number));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (;;) {
      const member = stack.pop() as string;
      onStack.delete(member);
      component.push(member);
      if (member === node) break;
    }
    if (component.length > 1 || (next.get(node) ?? []).includes(node)) found.push(component.sort());
  };
  for (const node of next.keys()) if (!index.has(node)) connect(node);
  return found;
}
