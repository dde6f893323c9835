import {
  RedEvents,
  type RedMember,
  type RedMemberKind,
  RedMembers,
  redEditorCalls,
  redStateKeys,
} from '../../../src/protocol/redApi.js';

/**
 * What the reference's page of editor/call and docs/red-editor-api.md say of the Red editor's API, written from its declaration
 * (src/protocol/redApi.ts) alone, so the documents list exactly what the plugin host builds.
 * redApiDocs.test.ts compares these blocks with the documents' and writes them there.
 */

/** The documents and the block of each that is written here. */
export const RedApiDocBlocks = [
  {
    file: 'docs/protocol/source/editor/call.md',
    name: 'red-api:editor-calls',
    render: editorCallsBlock,
  },
  { file: 'docs/red-editor-api.md', name: 'red-api:members', render: membersBlock },
] as const;

/** A Markdown code span in a table cell: a `|` would end the cell, even inside backticks. */
const code = (text: string) => `\`${text.replaceAll('|', '\\|')}\``;
const list = (items: readonly string[], empty = 'none') =>
  items.length === 0 ? empty : items.map(code).join(', ');
const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
const table = (head: readonly string[], rows: readonly (readonly string[])[]) =>
  [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');
const signature = (member: RedMember) => `${member.name}(${member.params.join(', ')})`;

/** For an editor's authors (the page of editor/call): the calls to answer, the state to push, the events to send. */
export function editorCallsBlock(): string {
  /** The members that make `method`: itself, or through the handle it returns. */
  const madeBy = (method: string) =>
    RedMembers.flatMap((m) => {
      if ((m.kind === 'call' || m.kind === 'send') && (m.method ?? m.name) === method)
        return [code(`red.${m.name}`)];
      const at = m.calls?.findIndex((call) => call.method === method) ?? -1;
      // A handle's first call makes it; the others are the handle's own methods.
      if (at === 0) return [code(`red.${m.name}`)];
      return at > 0 ? [`${code(`red.${m.name}`)}'s handle`] : [];
    }).join(', ');
  const calls = redEditorCalls();
  const answered = calls
    .filter((call) => call.returns !== 'void')
    .map((call) => [code(call.method), list(call.params), code(call.returns), madeBy(call.method)]);
  const unanswered = calls
    .filter((call) => call.returns === 'void')
    .map((call) => [code(call.method), list(call.params), madeBy(call.method)]);

  const state = redStateKeys().map((member) => [
    code(member.method ?? member.name),
    code(member.returns),
    code(JSON.stringify(member.stub ?? null)),
  ]);

  const events = RedEvents.map((event) => [
    code(event.name) + (event.runtimeOnly ? " (Red's editor sends it; not in red.d.ts)" : ''),
    code(event.payload),
  ]);

  // One row per event and payload (a picker's events carry an item, pickLive's a string), with
  // what starts it: the handle's first call, whose first argument is the id; or the listener.
  const byEvent = new Map<
    string,
    { name: string; payload: string; startedBy: Map<string, string[]> }
  >();
  for (const member of RedMembers) {
    if (member.kind !== 'handle' && member.kind !== 'listen') continue;
    const first = member.calls?.[0]?.method;
    const start = first
      ? `\`editor/call\` ${code(first)}`
      : `${code(`red.${signature(member)}`)}: \`{id}\` is its \`id\``;
    for (const event of member.events ?? []) {
      const key = `${event.name} ${event.payload}`;
      const entry = byEvent.get(key) ?? { ...event, startedBy: new Map() };
      const members = entry.startedBy.get(start) ?? [];
      if (first) members.push(code(`red.${member.name}`));
      entry.startedBy.set(start, members);
      byEvent.set(key, entry);
    }
  }
  const handleEvents = [...byEvent.values()].map((event) => [
    code(event.name),
    code(event.payload),
    [...event.startedBy]
      .map(([start, members]) => (members.length ? `${start} (${members.join(', ')})` : start))
      .join('; '),
  ]);

  return [
    '#### Editor calls',
    '',
    'Every `editor/call` method of the API, with its `args` by position (`?`: may be `null` or',
    'missing) and the members of `red` that make it. Types are those of red.d.ts. The plugin',
    "waits for the editor's answer to these:",
    '',
    table(['Method', 'Args', 'Answer', 'Made by'], answered),
    '',
    'The plugin does not wait for the answer to these (a handle hears back through its events,',
    "below): answer `null` once done. An error answer goes to the plugin's log, once per method.",
    '',
    table(['Method', 'Args', 'Made by'], unanswered),
    '',
    '#### Editor state',
    '',
    'Members that answer at once, from what the editor last pushed with `editor/state` under the',
    'key; until it pushes one, the default answers.',
    '',
    table(['Key', 'Value', 'Until pushed'], state),
    '',
    '#### Events plugins listen to',
    '',
    'Sent with `editor/event`, without `pluginId`: every plugin listening with `red.on` hears',
    'them. `{id}` stands for an id the plugin chose: the first argument of the `editor/call` that',
    "made what the event is about (`createWindowBar`'s, for a window bar).",
    '',
    table(['Event', '`data`'], events),
    '',
    '#### Events of handles and listeners',
    '',
    'A picker, a process or a directory watch is a handle: the plugin gets it at once, the editor',
    'is told with an `editor/call` whose first argument is its id, and answers with these events.',
    "The editor sends each with `editor/event`'s `pluginId` set to the plugin whose `editor/call`",
    'made the handle (for a listener, the plugin whose `editor/call`s gave that id), and with',
    '`{id}` standing for that first argument: `picker:selected:3` for `createPicker` with',
    '`args` `[3, …]`.',
    '',
    table(['Event', '`data`', 'Started by'], handleEvents),
  ].join('\n');
}

const HOW_IT_RUNS: Record<RedMemberKind, string> = {
  host: "In the daemon's plugin host, no editor needed",
  call: "An `editor/call`: returns a promise of the editor's answer",
  send: 'An `editor/call` whose answer the plugin never sees: returns nothing',
  state: 'Answered at once from what the editor last pushed (`editor/state`)',
  handle:
    'A handle, returned at once: its work goes to the editor as `editor/call`s, its events come back',
  listen: "A listener for the editor's events about one id (a panel's, a workspace's)",
};

/** For a plugin's author (docs/red-editor-api.md): every member of `red`, by how it runs. */
export function membersBlock(): string {
  const kinds = Object.keys(HOW_IT_RUNS) as RedMemberKind[];
  const rows = kinds.map((kind) => [
    HOW_IT_RUNS[kind],
    RedMembers.filter((m) => m.kind === kind)
      .map((m) => code(signature(m)))
      .join(', '),
  ]);
  const runtimeOnly = RedMembers.filter((m) => m.runtimeOnly).map((m) => m.name);
  return [
    table(['How it runs', 'Members of `red`'], rows),
    '',
    `Not in red.d.ts, but in Red's runtime and used by its plugins: ${list(runtimeOnly)}.`,
  ].join('\n');
}
