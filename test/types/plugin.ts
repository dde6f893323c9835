/**
 * The type test of `reloadd/plugin` (checked by `npm run typecheck`, never run): a TypeScript
 * plugin as an author writes one, and the mistakes it must refuse. Each `@ts-expect-error` fails
 * the check if the error it expects goes away.
 */
import { definePlugin, type PluginContext } from 'reloadd/plugin';

interface State {
  count: number;
  since: Date;
}

let state: State = { count: 0, since: new Date() };

export default definePlugin<State>({
  activate(ctx) {
    ctx.subscriptions.push(
      ctx.commands.register('typed.increment', (by = 1) => {
        state.count += Number(by);
        return state.count;
      }),
      ctx.events.on('file:saved', (data) => ctx.log.info('saved', data)),
    );
    // A dependency's API: every method returns a promise.
    const notes = ctx.plugins.get('notes');
    ctx.subscriptions.push(ctx.plugins.onDidUnload('notes', ({ generation }) => generation));
    void notes.count?.();
    ctx.addCommand('typed.pick', () => ctx.pick('Choose', ['a', 'b']));
    void ctx.setTimeout(() => ctx.logInfo('later'), 100);
    // Its own storage: JSON values by key, each call a promise.
    void ctx.storage.set('latest', { buffers: [] }).then(() => ctx.storage.get('latest'));
    // @ts-expect-error storage keys are strings
    void ctx.storage.delete(1);
  },
  saveState: () => state,
  restoreState(saved) {
    state = { ...saved, count: saved.count };
  },
  async beforeExit(ctx, editorState) {
    await ctx.storage.set('latest', editorState);
  },
});

export function usesTheContext(ctx: PluginContext): string {
  return `${ctx.id} #${ctx.generation}`;
}

// @ts-expect-error activate takes the context, not a string
definePlugin({ activate: (name: string) => name.length });

definePlugin<State>({
  activate() {},
  // @ts-expect-error saveState returns the declared state
  saveState: () => ({ count: 'many' }),
});

// @ts-expect-error a plugin needs activate
definePlugin({ deactivate() {} });

// An API, returned by activate.
definePlugin({ activate: () => ({ count: () => 1, add: (n: number) => n + 1 }) });
