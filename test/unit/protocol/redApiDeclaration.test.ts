import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { RedEvents, RedMembers } from '../../../src/protocol/redApi.js';
import { FIXTURES } from '../../helpers/paths.js';

/**
 * The declaration of the Red editor's API (src/protocol/redApi.ts) against the file that API is:
 * red.d.ts at cbe586a, as TypeScript parses it. Each member, its parameters and its result, and
 * each event of `red.on` with its payload; a difference names the member and what differs.
 */

const RED_D_TS = path.join(FIXTURES, 'red-cbe586a', 'types', 'red.d.ts');

interface Signature {
  params: string[];
  returns: string;
}

const source = ts.createSourceFile(
  RED_D_TS,
  readFileSync(RED_D_TS, 'utf8'),
  ts.ScriptTarget.Latest,
  true,
  ts.ScriptKind.TS,
);
const text = (node: ts.Node) => node.getText(source).replace(/\s+/g, ' ').trim();

/** `declare global { namespace Red { ... } }`: its interfaces, by name. */
function redInterfaces(): Map<string, ts.InterfaceDeclaration> {
  const interfaces = new Map<string, ts.InterfaceDeclaration>();
  const visit = (node: ts.Node, inRed: boolean) => {
    if (ts.isModuleDeclaration(node)) {
      const red = inRed || (ts.isIdentifier(node.name) && node.name.text === 'Red');
      if (node.body) visit(node.body, red);
      return;
    }
    if (inRed && ts.isInterfaceDeclaration(node)) interfaces.set(node.name.text, node);
    else ts.forEachChild(node, (child) => visit(child, inRed));
  };
  visit(source, false);
  return interfaces;
}

const paramName = (p: ts.ParameterDeclaration) =>
  `${p.dotDotDotToken ? '...' : ''}${text(p.name)}${p.questionToken || p.initializer ? '?' : ''}`;

/**
 * An interface's methods. An overloaded one is taken as its last, most general, signature; a
 * parameter that a shorter overload leaves out is optional there (`getConfig()` beside
 * `getConfig(key: string)`).
 */
function methodsOf(node: ts.InterfaceDeclaration): Map<string, Signature> {
  const overloads = new Map<string, ts.MethodSignature[]>();
  for (const member of node.members) {
    if (!ts.isMethodSignature(member)) continue;
    const name = text(member.name);
    overloads.set(name, [...(overloads.get(name) ?? []), member]);
  }
  const methods = new Map<string, Signature>();
  for (const [name, signatures] of overloads) {
    const last = signatures.at(-1) as ts.MethodSignature;
    const fewest = Math.min(...signatures.map((s) => s.parameters.length));
    const params = last.parameters.map((p, i) => {
      const written = paramName(p);
      return i >= fewest && !written.endsWith('?') && !written.startsWith('...')
        ? `${written}?`
        : written;
    });
    methods.set(name, { params, returns: last.type ? text(last.type) : 'any' });
  }
  return methods;
}

/** RedAPI's members, a group's (`storage: PluginStorage`) under its name: `storage.get`. */
function redApiMembers(): Map<string, Signature> {
  const interfaces = redInterfaces();
  const api = interfaces.get('RedAPI');
  if (!api) throw new Error(`${RED_D_TS} declares no Red.RedAPI`);
  const members = methodsOf(api);
  for (const member of api.members) {
    if (!ts.isPropertySignature(member) || !member.type || !ts.isTypeReferenceNode(member.type))
      continue;
    const group = interfaces.get(text(member.type.typeName));
    if (!group) throw new Error(`RedAPI.${text(member.name)}: no interface ${text(member.type)}`);
    for (const [name, signature] of methodsOf(group))
      members.set(`${text(member.name)}.${name}`, signature);
  }
  return members;
}

/**
 * The events of `on`'s overloads that name one, with the type of the callback's data. A template
 * literal (`windowBar:action:${string}`) is the declaration's `{id}`.
 */
function redOnEvents(): Map<string, string> {
  const api = redInterfaces().get('RedAPI');
  const events = new Map<string, string>();
  for (const member of api?.members ?? []) {
    if (!ts.isMethodSignature(member) || text(member.name) !== 'on') continue;
    const [event, callback] = member.parameters;
    let name: string | undefined;
    if (event?.type && ts.isLiteralTypeNode(event.type) && ts.isStringLiteral(event.type.literal))
      name = event.type.literal.text;
    else if (event?.type && ts.isTemplateLiteralTypeNode(event.type))
      name = `${event.type.head.text}{id}`;
    if (name === undefined) continue; // `on(event: string, ...)`: any event at all
    const fn = callback?.type;
    const data = fn && ts.isFunctionTypeNode(fn) ? fn.parameters[0]?.type : undefined;
    events.set(name, data ? text(data) : 'void');
  }
  return events;
}

const show = (s: Signature) => `(${s.params.join(', ')}): ${s.returns}`;

describe('the Red API declaration (src/protocol/redApi.ts) against red.d.ts at cbe586a', () => {
  it('declares every member of red.d.ts, with its parameters and its result, and no other', () => {
    const inFile = redApiMembers();
    const declared = new Map(RedMembers.map((m) => [m.name, m]));
    const differences: string[] = [];
    for (const [name, signature] of inFile) {
      const member = declared.get(name);
      if (!member)
        differences.push(`red.${name}${show(signature)}: in red.d.ts, missing from RedApi`);
      else if (member.runtimeOnly)
        differences.push(`red.${name}: marked runtimeOnly, but red.d.ts declares it`);
      else {
        const ours = { params: [...member.params], returns: member.returns };
        if (show(ours) !== show(signature))
          differences.push(`red.${name}: RedApi says ${show(ours)}, red.d.ts ${show(signature)}`);
      }
    }
    for (const member of RedMembers) {
      if (!inFile.has(member.name) && !member.runtimeOnly)
        differences.push(
          `red.${member.name}: in RedApi, not in red.d.ts (mark it runtimeOnly if Red's runtime has it)`,
        );
    }
    expect(differences).toEqual([]);
  });

  it("declares the events of red.on's overloads, each with the payload its callback receives", () => {
    const inFile = redOnEvents();
    const declared = new Map(RedEvents.map((e) => [e.name, e]));
    const differences: string[] = [];
    for (const [name, payload] of inFile) {
      const event = declared.get(name);
      if (!event) differences.push(`${name} (${payload}): in red.d.ts, missing from RedEvents`);
      else if (event.runtimeOnly)
        differences.push(`${name}: marked runtimeOnly, but red.d.ts declares it`);
      else if (event.payload !== payload)
        differences.push(`${name}: RedEvents says ${event.payload}, red.d.ts ${payload}`);
    }
    for (const event of RedEvents) {
      if (!inFile.has(event.name) && !event.runtimeOnly)
        differences.push(
          `${event.name}: in RedEvents, not in red.d.ts (mark it runtimeOnly if Red's editor sends it)`,
        );
    }
    expect(differences).toEqual([]);
  });

  it('reads red.d.ts as it is: every group, and overloads as their most general signature', () => {
    const members = redApiMembers();
    // The checks above mean nothing if the walk finds nothing: a few it must find, as written.
    expect(members.get('storage.get')).toEqual({ params: ['key'], returns: 'Promise<any>' });
    expect(members.get('ui.closeWindowBar')).toEqual({
      params: ['id', 'windowId?'],
      returns: 'void',
    });
    expect(members.get('on')).toEqual({ params: ['event', 'callback'], returns: 'void' });
    expect(members.get('getConfig')).toEqual({ params: ['key?'], returns: 'Promise<any>' });
    expect(members.get('log')).toEqual({ params: ['...messages'], returns: 'void' });
    expect([...members.keys()].filter((name) => name.includes('.')).length).toBe(11);
    expect(redOnEvents().get('windowBar:action:{id}')).toBe(
      '{ windowId: number; segmentId?: string; action: string }',
    );
  });
});
