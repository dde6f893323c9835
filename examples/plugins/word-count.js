// A single-file plugin: listens to editor events and answers a command.
// Send `editor/event` { event: "buffer:changed", data: { text } } and run `wordCount.get`.
let words = 0;

export function activate(ctx) {
  ctx.subscriptions.push(
    ctx.events.on('buffer:changed', (data) => {
      words = String(data?.text ?? '')
        .split(/\s+/)
        .filter(Boolean).length;
    }),
    ctx.commands.register('wordCount.get', () => ({ words })),
  );
  ctx.log('word-count ready');
}

export function saveState() {
  return { words };
}

export function restoreState(state) {
  words = state.words;
}
