// A single-file plugin that follows the editor: when you enter a buffer or change its text, it
// asks the editor for that text (an `editor/call`) and counts the words. The events are the ones
// the Neovim client sends (docs/editors.md, "The Lua client for Neovim"). Read the count with
// the command `wordCount.get`, from Neovim:
//   :lua require('reloadd').execute_command('wordCount.get', {}, function(_, r) print(vim.inspect(r)) end)
let counted = { buffer: null, words: 0 };

export function activate(ctx) {
  const count = (data) =>
    ctx.editor
      .call('getBufferText')
      .then((text) => {
        const words = String(text ?? '')
          .split(/\s+/)
          .filter(Boolean).length;
        counted = { buffer: data?.name ?? null, words };
      })
      // No editor, or one without getBufferText: log why, and keep the last count.
      .catch((error) => ctx.log.warn(`cannot count words: ${error.message}`));
  ctx.subscriptions.push(
    ctx.events.on('buffer:entered', count),
    ctx.events.on('text:changed', count),
    ctx.commands.register('wordCount.get', () => counted),
  );
  ctx.log('word-count ready');
}

export function saveState() {
  return counted;
}

export function restoreState(state) {
  counted = state;
}
